// RATE_LIMIT_REDIS_DOWN on a real redis-server that was stopped: local share, open, closed, and back to Redis.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isGatewayError } from '@llm-gateway/contracts';
import { caught, type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from './create-redis-client.js';
import { createRateLimiter, type RateLimiterEvent } from './rate-limiter.js';
import { localShare, type RedisDownPolicy } from './redis-down-policy.js';

let server: RedisServerHandle;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await server?.stop();
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(20);
  }
}

/** A limiter on a client that was connected once, so an outage is a reconnecting client, as in production. */
async function limiterFor(
  whenDown: RedisDownPolicy,
  options: { requestsPerMinute: number; instances?: number },
) {
  const client = createRedisClient(server.url);
  clients.push(client);
  await client.ping();
  const events: RateLimiterEvent[] = [];
  const limiter = createRateLimiter({
    requestsPerMinute: options.requestsPerMinute,
    redis: { client, keyPrefix: `test:down:${randomUUID()}:`, whenDown, instances: options.instances ?? 1 },
    onEvent: (event) => events.push(event),
  });
  return { client, limiter, events };
}

async function takeMany(take: () => Promise<{ allowed: boolean }>, count: number) {
  const allowed: boolean[] = [];
  for (let n = 0; n < count; n += 1) allowed.push((await take()).allowed);
  return allowed.filter(Boolean).length;
}

describe('localShare', () => {
  it('gives each instance 1/instances of the bucket, at least one token, refilling in proportion', () => {
    expect(localShare({ capacity: 20, refillPerMs: 20 / 60_000, cost: 1 }, 3)).toEqual({
      capacity: 6,
      refillPerMs: 6 / 60_000,
      cost: 1,
    });
    expect(localShare({ capacity: 2, refillPerMs: 2 / 60_000, cost: 1 }, 5).capacity).toBe(1);
    expect(localShare({ capacity: 2, refillPerMs: 2 / 60_000, cost: 1 }, 1).capacity).toBe(2);
  });
});

describe('RATE_LIMIT_REDIS_DOWN with Redis stopped', () => {
  it('local, open and closed each answer as documented, and every one returns to the shared bucket', async () => {
    const local = await limiterFor('local', { requestsPerMinute: 30, instances: 3 });
    const open = await limiterFor('open', { requestsPerMinute: 2 });
    const closed = await limiterFor('closed', { requestsPerMinute: 30 });
    await server.stop();
    const all = [local, open, closed];
    await waitFor(
      () => all.every(({ client }) => client.status !== 'ready'),
      'the clients to see the outage',
    );

    // local: this instance's share (30 / 3 instances), never the whole limit.
    const started = Date.now();
    expect(await takeMany(() => local.limiter.take(), 15)).toBe(10);
    expect(await local.limiter.snapshot()).toMatchObject({
      backend: 'memory',
      degraded: true,
      redis_down_policy: 'local',
    });
    // open: no limit at all, even far beyond the 2/min configured.
    expect(await takeMany(() => open.limiter.take(), 20)).toBe(20);
    expect(await open.limiter.snapshot()).toMatchObject({
      backend: 'open',
      degraded: true,
      tokens_available: null,
    });
    // closed: every request refused with the documented 503, a peek too; the snapshot still answers.
    const refusal = await caught(closed.limiter.take());
    expect(isGatewayError(refusal) && refusal.code).toBe('rate_limiter_unavailable');
    expect(isGatewayError(refusal) && refusal.status).toBe(503);
    expect(isGatewayError(refusal) && refusal.retryAfterMs).toBe(1000);
    expect(isGatewayError(await caught(closed.limiter.peek()))).toBe(true);
    expect(await closed.limiter.snapshot()).toMatchObject({ backend: 'closed', tokens_available: null });
    // A down Redis costs nothing: no call waited on it.
    expect(Date.now() - started).toBeLessThan(500);

    await server.restart();
    await waitFor(() => all.every(({ client }) => client.status === 'ready'), 'the clients to reconnect');
    for (const { limiter } of all) {
      // The first request after the reconnect probes Redis and switches back.
      expect((await limiter.take()).allowed).toBe(true);
      expect(limiter.backend).toBe('redis');
    }
    // Exact again: open's shared bucket (2/min) is the fresh Redis one, one token of it spent above.
    expect(await takeMany(() => open.limiter.take(), 3)).toBe(1);
    const switches = (events: RateLimiterEvent[]) =>
      events.flatMap((event) => (event.type === 'backend-changed' ? [event.backend] : []));
    expect(switches(local.events)).toEqual(['memory', 'redis']);
    expect(switches(open.events)).toEqual(['open', 'redis']);
    expect(switches(closed.events)).toEqual(['closed', 'redis']);
  });
});
