// Tests for what only the Redis store does: values verbatim with PX TTLs, and Redis down, back, or frozen.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleText as completion } from '../../test/sample-completion.js';
import { createRedisClient } from '../rate-limit/create-redis-client.js';
import type { CacheStoreEvent } from './cache-store.js';
import { createRedisCacheStore, DEFAULT_REDIS_CACHE_TIMEOUT_MS } from './redis-cache-store.js';

const COMMAND_TIMEOUT_MS = 200;

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await once(redis, 'ready');
}

/** Resolves the promise and says how long it took, in ms. */
async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - start };
}

describe('createRedisCacheStore', () => {
  let server: RedisServerHandle;
  const clients: Redis[] = [];
  const prefix = `test:redis-cache-store:${randomUUID()}:`;

  /** A client with the gateway's fail-fast profile and a store that records its events. */
  async function connectStore(url = server.url) {
    const redis = createRedisClient(url, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
    clients.push(redis);
    await ready(redis);
    const events: CacheStoreEvent[] = [];
    const store = createRedisCacheStore({ redis, onEvent: (event) => events.push(event) });
    return { redis, store, events };
  }

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('stores the value verbatim with a millisecond TTL', async () => {
    const { redis, store } = await connectStore();
    // Non-ASCII: the bytes must survive the round trip, not only ASCII JSON.
    const value = completion('héllo ✓');
    await store.set(`${prefix}ttl`, value, 60);
    const pttl = await redis.pttl(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    const raw = await redis.get(`${prefix}ttl`);
    expect(raw).toBe(value);
  });

  it('skips a TTL that is not positive, rather than storing forever', async () => {
    const { redis, store } = await connectStore();
    await store.set(`${prefix}zero`, completion('a'), 0);
    expect(await redis.exists(`${prefix}zero`)).toBe(0);
  });

  it('misses at once while Redis is down, and resumes with one event each way', async () => {
    // Its own server: stopping the shared one would disturb the other tests.
    const own = await startRedisServer();
    try {
      const { redis, store, events } = await connectStore(own.url);
      await store.set(`${prefix}outage`, completion('before'), 60);
      await expect(store.get(`${prefix}outage`)).resolves.toBe(completion('before'));

      const closed = once(redis, 'close');
      await own.stop();
      await closed;

      for (let i = 0; i < 3; i += 1) {
        const get = await timed(store.get(`${prefix}outage`));
        expect(get.value).toBeUndefined();
        // Skipped without sending: far below the command timeout.
        expect(get.ms).toBeLessThan(COMMAND_TIMEOUT_MS / 2);
        const set = await timed(store.set(`${prefix}outage`, completion('during'), 60));
        expect(set.ms).toBeLessThan(COMMAND_TIMEOUT_MS / 2);
      }
      expect(store.snapshot()).toEqual({ backend: 'redis', errors: 6, degraded: true });
      expect(events).toEqual([{ type: 'unavailable', error: expect.any(String) }]);

      await own.restart();
      await ready(redis);
      // The restarted server is empty: write, then read back.
      await store.set(`${prefix}outage`, completion('after'), 60);
      await expect(store.get(`${prefix}outage`)).resolves.toBe(completion('after'));
      expect(store.snapshot()).toEqual({ backend: 'redis', errors: 6, degraded: false });
      expect(events).toEqual([{ type: 'unavailable', error: expect.any(String) }, { type: 'recovered' }]);
    } finally {
      await own.stop();
    }
  }, 15_000);

  it('misses within the command timeout while Redis is frozen', async () => {
    const { store, events } = await connectStore();
    await store.set(`${prefix}frozen`, completion('a'), 60);
    server.pause();
    try {
      const get = await timed(store.get(`${prefix}frozen`));
      expect(get.value).toBeUndefined();
      // Bounded by the client's commandTimeout, not by the store's own safety net.
      expect(get.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 20);
      expect(get.ms).toBeLessThan(DEFAULT_REDIS_CACHE_TIMEOUT_MS);
      await expect(store.set(`${prefix}frozen`, completion('b'), 60)).resolves.toBeUndefined();
      expect(store.snapshot()).toMatchObject({ errors: 2, degraded: true });
      expect(events).toEqual([{ type: 'unavailable', error: expect.any(String) }]);
    } finally {
      server.resume();
    }
    // The timed-out SET was already on the wire: Redis runs it on thawing, before this GET.
    await expect(store.get(`${prefix}frozen`)).resolves.toBe(completion('b'));
    expect(events.map((event) => event.type)).toEqual(['unavailable', 'recovered']);
  });

  it('bounds a call itself when the client has no command timeout', async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    clients.push(redis);
    await ready(redis);
    const store = createRedisCacheStore({ redis, timeoutMs: 150 });
    server.pause();
    try {
      const get = await timed(store.get(`${prefix}unbounded`));
      expect(get.value).toBeUndefined();
      expect(get.ms).toBeLessThan(1000);
      expect(store.snapshot()).toMatchObject({ errors: 1, degraded: true });
    } finally {
      server.resume();
    }
  });
});
