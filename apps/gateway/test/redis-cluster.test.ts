// Gateway instances on a real Redis Cluster (3 primaries + 3 replicas): one shared limit and a shared cache.
import { type RedisClusterHandle, startRedisCluster } from '@llm-gateway/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitOnB, ninetyAtOnce, readyBody, readyInstances } from './support/redis-instances.js';
import type { TestGateway } from './support/start-gateway.js';

let cluster: RedisClusterHandle;
const started: TestGateway[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.close()));
  await cluster?.stop();
});

const instances = (count: number, env: Record<string, string>) =>
  readyInstances(count, { REDIS_CLUSTER_NODES: cluster.seeds, ...env }, started);

describe('gateways on a Redis Cluster', () => {
  it('share one limit: 20/min across 3 instances admits 20 ± 1 of 90 requests', async () => {
    const gws = await instances(3, {
      REDIS_KEY_PREFIX: `t-cl-limit-${process.pid}:`,
      RATE_LIMIT_REQUESTS_PER_MINUTE: '20',
    });
    const statuses = await ninetyAtOnce(gws);
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
    const { status, stored, hit } = await hitOnB(
      a as TestGateway,
      b as TestGateway,
      'the same question on the cluster',
    );
    expect(status).toBe(200);
    expect(hit).toEqual(stored);
    expect(b?.sim.stats.chatRequests).toBe(0);
  });
});
