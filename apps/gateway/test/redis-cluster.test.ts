// Gateway instances on a real Redis Cluster (3 primaries + 3 replicas): one shared limit and a shared cache.
import { type RedisClusterHandle, startRedisCluster } from '@llm-gateway/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let cluster: RedisClusterHandle;
const started: TestGateway[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.close()));
  await cluster?.stop();
});

/** `count` instances on the cluster sharing one key prefix, each ready (its cluster client connected). */
async function instances(count: number, env: Record<string, string>): Promise<TestGateway[]> {
  const gateways = await Promise.all(
    Array.from({ length: count }, () =>
      startGateway({
        env: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_COMMAND_TIMEOUT_MS: '500', ...env },
      }),
    ),
  );
  started.push(...gateways);
  for (const gw of gateways) await until(async () => (await readyBody(gw)).status === 'ready', 10_000);
  return gateways;
}

async function readyBody(gw: TestGateway) {
  return (await (await fetch(`${gw.url}/health/ready`)).json()) as {
    status: string;
    checks: { redis: { topology?: string }; rate_limiter: { backend: string } };
  };
}

async function until(condition: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now();
}

let unique = 0;
const ask = (gw: TestGateway, content?: string) => {
  unique += 1;
  return gw.post({ messages: [{ role: 'user', content: content ?? `cluster ${unique}` }] });
};

describe('gateways on a Redis Cluster', () => {
  it('share one limit: 20/min across 3 instances admits 20 ± 1 of 90 requests', async () => {
    const gws = await instances(3, {
      REDIS_KEY_PREFIX: `t-cl-limit-${process.pid}:`,
      RATE_LIMIT_REQUESTS_PER_MINUTE: '20',
    });
    const statuses = await Promise.all(
      Array.from({ length: 90 }, async (_, i) => {
        const res = await ask(gws[i % 3] as TestGateway);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(19);
    expect(admitted).toBeLessThanOrEqual(21);
    expect(statuses.filter((status) => status === 429)).toHaveLength(90 - admitted);
    const upstreamCalls = gws.reduce((sum, gw) => sum + gw.sim.stats.chatRequests, 0);
    expect(upstreamCalls).toBe(admitted);
    expect((await readyBody(gws[0] as TestGateway)).checks).toMatchObject({
      redis: { topology: 'cluster' },
      rate_limiter: { backend: 'redis' },
    });
  }, 30_000);

  it('serve a hit on instance B for an answer instance A stored', async () => {
    const [a, b] = await instances(2, { REDIS_KEY_PREFIX: `t-cl-cache-${process.pid}:` });
    const first = await ask(a as TestGateway, 'the same question on the cluster');
    expect(first.status).toBe(200);
    const stored = (await first.json()) as { choices: unknown };
    let hit: { choices: unknown; usage?: { from_cache?: boolean } } = { choices: undefined };
    // The store is written after the answer is sent: poll briefly.
    await until(async () => {
      hit = (await (await ask(b as TestGateway, 'the same question on the cluster')).json()) as typeof hit;
      return hit.usage?.from_cache === true;
    }, 3000);
    expect(hit.choices).toEqual(stored.choices);
    expect(b?.sim.stats.chatRequests).toBe(0);
  });
});
