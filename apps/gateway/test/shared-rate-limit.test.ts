// Two gateway processes sharing one Redis share one rate limit; a Redis outage degrades to memory and back.
import {
  type RedisServerHandle,
  type SpawnedGateway,
  spawnGateway,
  startRedisServer,
} from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_KEY } from './support/start-gateway.js';

let redis: RedisServerHandle;
let sim: UpstreamSim;
let gateways: SpawnedGateway[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false });
  const env = {
    PROXYAPI_API_KEY: UPSTREAM_KEY,
    OPENROUTER_BASE_URL: sim.baseUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `test-shared-${process.pid}:`,
    RATE_LIMIT_REQUESTS_PER_MINUTE: '20',
  };
  gateways = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  // As a load balancer would: send traffic once each instance reports ready (its Redis connected);
  // before that, a limiter runs on its in-memory bucket.
  await Promise.all(gateways.map((gateway) => untilReady(gateway.url)));
}, 30_000);

async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await fetch(`${url}/health/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url} never became ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await sim?.close();
  await redis?.stop();
});

let unique = 0;
/** Every request distinct, so none is a cache hit or joins another (those spend no token). */
const post = (url: string) => {
  unique += 1;
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: `shared ${unique}` }] }),
  });
};

async function metrics(url: string) {
  return (await (await fetch(`${url}/metrics`)).json()) as {
    rate_limiter: { backend: string; degraded: boolean };
  };
}

describe('a rate limit shared through Redis', () => {
  it('admits 20 of 60 requests spread over two instances, refusing the rest with 429 + Retry-After', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await post(gateways[i % 2]?.url ?? '');
        await res.arrayBuffer();
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    const admitted = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    expect(admitted).toBeGreaterThanOrEqual(19);
    expect(admitted).toBeLessThanOrEqual(21);
    expect(refused.length).toBe(60 - admitted);
    for (const r of refused) expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(sim.stats.chatRequests).toBe(admitted);
    expect((await metrics(gateways[0]?.url ?? '')).rate_limiter.backend).toBe('redis');
  });

  it('keeps answering on the in-memory bucket while Redis is down, and goes back to Redis when it returns', async () => {
    const url = gateways[0]?.url ?? '';
    await redis.stop();
    const during = await post(url);
    expect([200, 429]).toContain(during.status);
    await during.arrayBuffer();
    expect(await metrics(url)).toMatchObject({ rate_limiter: { backend: 'memory', degraded: true } });

    await redis.restart();
    // ioredis reconnects on its own schedule (capped at 2 s); poll until the limiter is back on Redis.
    let backend = 'memory';
    for (let i = 0; i < 40 && backend !== 'redis'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await (await post(url)).arrayBuffer();
      backend = (await metrics(url)).rate_limiter.backend;
    }
    expect(backend).toBe('redis');
    // Log lines reach stdout in batches (at most 250 ms late): wait for the second one to arrive.
    const output = () => gateways[0]?.output.join('\n') ?? '';
    for (let i = 0; i < 40 && !/Redis is back/.test(output()); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lines = output();
    expect(lines.match(/Redis unreachable, using the in-memory bucket/g)).toHaveLength(1);
    expect(lines.match(/Redis is back, using the shared bucket/g)).toHaveLength(1);
  }, 20_000);
});
