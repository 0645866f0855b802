// The limiter on a real redis-server: one limit shared by instances, and falling back when Redis stops or freezes.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from './create-redis-client.js';
import { createRateLimiter, type RateLimiter, type RateLimiterEvent } from './rate-limiter.js';

let server: RedisServerHandle;
let serverStopped = false;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(async () => {
  server.resume();
  if (serverStopped) {
    await server.restart();
    serverStopped = false;
  }
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await server?.stop();
});

/** A gateway instance: its own client (connected before use) and limiter, on a prefix shared by the test. */
async function instance(keyPrefix: string, requestsPerMinute: number) {
  const client = createRedisClient(server.url);
  clients.push(client);
  await client.ping();
  const events: RateLimiterEvent[] = [];
  const limiter = createRateLimiter({
    requestsPerMinute,
    redis: { client, keyPrefix },
    onEvent: (event) => events.push(event),
  });
  const backendChanges = () =>
    events.flatMap((event) => (event.type === 'backend-changed' ? [event.backend] : []));
  return { client, limiter, events, backendChanges };
}

const newPrefix = () => `test:rate-limiter:${randomUUID()}:`;

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Takes `count` tokens one after another, each on the global key. */
async function takeSequentially(limiter: RateLimiter, count: number) {
  const decisions = [];
  for (let n = 0; n < count; n += 1) decisions.push(await limiter.take());
  return decisions;
}

describe('createRateLimiter (redis)', () => {
  it('shares one limit between instances', async () => {
    const prefix = newPrefix();
    const a = await instance(prefix, 10);
    const b = await instance(prefix, 10);
    const allowed: boolean[] = [];
    for (let n = 0; n < 10; n += 1) {
      allowed.push((await a.limiter.take()).allowed, (await b.limiter.take()).allowed);
    }
    expect(allowed.filter(Boolean)).toHaveLength(10);
    expect(allowed.slice(0, 10).every(Boolean)).toBe(true);
    const refused = await b.limiter.take();
    expect(refused.allowed).toBe(false);
    // 10/min refills a token every 6 s: the wait is most of that, whoever asks.
    expect(refused.retryAfterMs).toBeGreaterThan(5000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(6000);
    expect(await a.limiter.snapshot()).toMatchObject({ rate: 10, backend: 'redis', degraded: false });
    expect((await a.limiter.snapshot()).tokens_available).toBeLessThan(0.1);
    expect([...a.events, ...b.events].filter((event) => event.type === 'backend-changed')).toEqual([]);
  });

  it('falls back to memory while Redis is stopped and returns with one event each way', async () => {
    const { client, limiter, events, backendChanges } = await instance(newPrefix(), 1000);
    await takeSequentially(limiter, 3);
    expect(await limiter.snapshot()).toMatchObject({ backend: 'redis', degraded: false });

    serverStopped = true;
    await server.stop();
    const during = await takeSequentially(limiter, 20);
    expect(during.every((decision) => decision.allowed)).toBe(true);
    // The memory bucket is this instance's own (it started full), not the shared one.
    expect(during.at(-1)?.remaining).toBe(1000 - 20);
    expect(await limiter.snapshot()).toMatchObject({ backend: 'memory', degraded: true });
    expect(backendChanges()).toEqual(['memory']);
    expect(events.find((event) => event.type === 'backend-changed')).toMatchObject({
      reason: expect.any(String),
    });

    await server.restart();
    serverStopped = false;
    await waitFor(() => client.status === 'ready', 'the client to reconnect');
    // The restarted Redis has no scripts cached: this also exercises EVALSHA's fallback to EVAL.
    await takeSequentially(limiter, 5);
    expect(await limiter.snapshot()).toMatchObject({ backend: 'redis', degraded: false });
    expect(backendChanges()).toEqual(['memory', 'redis']);
    // Fresh Redis, fresh shared bucket: the 5 takes since the restart, not the 3 before. The bucket
    // refills 1 token per 60 ms on Redis's clock, so a slow machine may see one back already.
    const remaining = (await limiter.peek()).remaining;
    expect(remaining).toBeGreaterThanOrEqual(1000 - 5);
    expect(remaining).toBeLessThanOrEqual(1000 - 5 + 2);
  });

  it('falls back to memory while Redis is frozen (SIGSTOP) and returns when it thaws', async () => {
    const { limiter, backendChanges } = await instance(newPrefix(), 1000);
    await limiter.take();

    server.pause();
    // Bounded by the client's commandTimeout, not by Redis: they resolve, on memory.
    const parallel = await Promise.all(Array.from({ length: 10 }, () => limiter.take()));
    const sequential = await takeSequentially(limiter, 3);
    expect([...parallel, ...sequential].every((decision) => decision.allowed)).toBe(true);
    expect(await limiter.snapshot()).toMatchObject({ backend: 'memory', degraded: true });
    expect(backendChanges()).toEqual(['memory']);

    server.resume();
    await waitFor(
      async () => (await limiter.snapshot()).backend === 'redis',
      'the limiter to use Redis again',
    );
    await takeSequentially(limiter, 3);
    expect(backendChanges()).toEqual(['memory', 'redis']);
  });

  it('sends the first calls to a client still connecting instead of reporting an outage', async () => {
    const client = createRedisClient(server.url);
    clients.push(client);
    const events: RateLimiterEvent[] = [];
    const limiter = createRateLimiter({
      requestsPerMinute: 10,
      redis: { client, keyPrefix: newPrefix() },
      onEvent: (event) => events.push(event),
    });
    expect(client.status).toBe('connecting');
    const decisions = await Promise.all([limiter.take(), limiter.take()]);
    expect(decisions.map((decision) => decision.remaining).sort()).toEqual([8, 9]);
    expect(await limiter.snapshot()).toMatchObject({ backend: 'redis', degraded: false });
    expect(events).toEqual([]);
  });

  it('uses memory when the client is not connected, without waiting on it', async () => {
    const client = createRedisClient('redis://127.0.0.1:1');
    clients.push(client);
    const events: RateLimiterEvent[] = [];
    const limiter = createRateLimiter({
      requestsPerMinute: 2,
      redis: { client, keyPrefix: newPrefix() },
      onEvent: (event) => events.push(event),
    });
    await waitFor(() => client.status !== 'connecting' && client.status !== 'ready', 'a failed connection');
    const started = Date.now();
    const decisions = await takeSequentially(limiter, 3);
    // No command goes to a client that is not ready: three calls waiting out a 250 ms timeout would take 750.
    expect(Date.now() - started).toBeLessThan(500);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(events).toEqual([
      { type: 'backend-changed', backend: 'memory', reason: expect.stringContaining('Redis connection is') },
      // Real time: a millisecond may pass between the takes.
      { type: 'limited', key: 'global', retryAfterMs: expect.closeTo(30_000, -2) },
    ]);
  });
});
