// Tests for stream tickets: exactly-once claims, expiry, the memory bound, and sharing through Redis.
import { randomUUID } from 'node:crypto';
import { isGatewayError } from '@llm-gateway/contracts';
import {
  caught,
  createManualClock,
  type RedisServerHandle,
  startRedisServer,
} from '@llm-gateway/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../rate-limit/create-redis-client.js';
import { createMemoryTicketStore, createRedisTicketStore } from './ticket-store.js';

/** A clock that moves only when a test advances it. */
const manualClock = () => createManualClock(1_700_000_000_000);

describe('createMemoryTicketStore', () => {
  it('gives a value back exactly once', async () => {
    const store = createMemoryTicketStore({ ttlMs: 1000, maxBytes: 1000 });
    const id = await store.issue('{"a":1}');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.claim(id)).toBe('{"a":1}');
    expect(await store.claim(id)).toBeUndefined();
    expect(await store.claim('not-an-id')).toBeUndefined();
  });

  it('forgets a ticket after its TTL', async () => {
    const clock = manualClock();
    const store = createMemoryTicketStore({ ttlMs: 1000, maxBytes: 1000, clock });
    const kept = await store.issue('kept');
    const expired = await store.issue('expired');
    clock.advance(999);
    expect(await store.claim(kept)).toBe('kept');
    clock.advance(1);
    expect(await store.claim(expired)).toBeUndefined();
  });

  it('refuses new tickets with 503 when pending ones fill the byte bound, and frees space as they go', async () => {
    const clock = manualClock();
    const store = createMemoryTicketStore({ ttlMs: 1000, maxBytes: 10, clock });
    const first = await store.issue('12345');
    await store.issue('67890');
    const refused = await caught(store.issue('x'));
    expect(isGatewayError(refused) && refused.code).toBe('overloaded');
    expect(isGatewayError(refused) && refused.status).toBe(503);

    await store.claim(first);
    await expect(store.issue('abcde')).resolves.toBeTypeOf('string');
    clock.advance(1000);
    // Expired tickets are swept on the next issue, so the bound counts only live ones.
    await expect(store.issue('0123456789')).resolves.toBeTypeOf('string');
  });
});

describe('createRedisTicketStore', () => {
  let server: RedisServerHandle;
  const clients: Redis[] = [];
  const keyPrefix = `test:tickets:${randomUUID()}:`;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  function instance() {
    const redis = createRedisClient(server.url, { commandTimeoutMs: 200 });
    clients.push(redis);
    const fallback = createMemoryTicketStore({ ttlMs: 5000, maxBytes: 1_000_000 });
    return createRedisTicketStore({ redis, keyPrefix, fallback });
  }

  it('lets any instance claim a ticket, exactly once even when all race for it', async () => {
    const [a, b, c] = [instance(), instance(), instance()];
    const id = await a.issue('{"messages":[]}');
    const claims = await Promise.all([b.claim(id), c.claim(id), a.claim(id), b.claim(id)]);
    expect(claims.filter((value) => value !== undefined)).toEqual(['{"messages":[]}']);
  });

  it('stores tickets with the TTL in Redis', async () => {
    const store = instance();
    const id = await store.issue('v');
    const probe = createRedisClient(server.url, { commandTimeoutMs: 200 });
    clients.push(probe);
    const ttl = await probe.pttl(`${keyPrefix}${id}`);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('bounds each Redis call by deadlineMs when Redis answers nothing (frozen, or a Cluster mid-failover)', async () => {
    // commandTimeout far above the deadline: only the store's own deadline can end these calls.
    const redis = createRedisClient(server.url, { commandTimeoutMs: 60_000 });
    clients.push(redis);
    await redis.ping();
    const fallback = createMemoryTicketStore({ ttlMs: 5000, maxBytes: 1_000_000 });
    const store = createRedisTicketStore({ redis, keyPrefix, fallback, deadlineMs: 200 });
    const stored = await store.issue('before');
    server.pause();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const issued = store.issue('during');
      const claimed = expect(store.claim(stored)).rejects.toMatchObject({ code: 'overloaded' });
      await vi.advanceTimersByTimeAsync(200);
      // The ticket went to this instance's memory instead, and is claimable here.
      expect(await fallback.claim(await issued)).toBe('during');
      await claimed;
    } finally {
      vi.useRealTimers();
      server.resume();
    }
  });

  it('keeps working on one instance while Redis is down', async () => {
    const store = instance();
    const ready = await store.issue('before');
    await server.stop();
    try {
      const id = await store.issue('during');
      expect(await store.claim(id)).toBe('during');
      await expect(store.claim(ready)).rejects.toMatchObject({ code: 'overloaded' });
    } finally {
      await server.restart();
    }
  });
});
