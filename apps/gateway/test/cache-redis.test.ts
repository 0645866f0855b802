// The cache on a real Redis: shared hits, and Redis trouble (stopped, restarted, frozen) never fails a request.
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let redis: RedisServerHandle;
let gw: TestGateway;
beforeAll(async () => {
  redis = await startRedisServer();
  gw = await startGateway({
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `test-cache-${process.pid}:`,
      REDIS_COMMAND_TIMEOUT_MS: '200',
      RATE_LIMIT_ENABLED: 'false',
    },
  });
});
afterAll(async () => {
  redis.resume();
  await gw.close();
  await redis.stop();
});

const ask = async (content: string) => {
  const started = performance.now();
  const res = await gw.post({ messages: [{ role: 'user', content }] });
  const body = (await res.json()) as { usage: { from_cache: boolean } };
  return { status: res.status, cache: res.headers.get('x-cache'), body, ms: performance.now() - started };
};

describe('the cache on Redis', () => {
  it('serves hits from Redis', async () => {
    expect((await ask('redis one')).cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const hit = await ask('redis one');
    expect(hit.cache).toBe('HIT');
    expect(hit.body.usage.from_cache).toBe(true);
    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as { cache: { backend: string } };
    expect(metrics.cache.backend).toBe('redis');
  });

  it('answers every request as a miss while Redis is stopped, and hits again once it is back', async () => {
    await redis.stop();
    const before = gw.sim.stats.chatRequests;
    for (let i = 0; i < 3; i += 1) {
      const answer = await ask('redis two');
      expect(answer.status).toBe(200);
      expect(answer.cache).toBe('MISS');
    }
    expect(gw.sim.stats.chatRequests).toBe(before + 3);
    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as {
      cache: { degraded: boolean; errors: number };
    };
    expect(metrics.cache.degraded).toBe(true);
    expect(metrics.cache.errors).toBeGreaterThan(0);

    await redis.restart();
    let cache: string | null = 'MISS';
    for (let i = 0; i < 40 && cache !== 'HIT'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      cache = (await ask('redis two')).cache;
    }
    expect(cache).toBe('HIT');
    const outages = gw.logs.entries().filter((e) => e.msg === 'Cache: Redis unreachable, serving misses');
    expect(outages).toHaveLength(1);
  }, 20_000);

  it('answers within the command bound while Redis is frozen', async () => {
    redis.pause();
    try {
      const answer = await ask('redis three');
      expect(answer.status).toBe(200);
      expect(answer.cache).toBe('MISS');
      // lookup and store are each bounded by REDIS_COMMAND_TIMEOUT_MS (200 ms), never the ~73 s default
      expect(answer.ms).toBeLessThan(2000);
    } finally {
      redis.resume();
    }
  });
});
