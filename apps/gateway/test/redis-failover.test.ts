// A Redis Cluster failover under load: the primary of the limiter's slot is SIGKILLed while 3 gateway processes serve.
import { type RedisClusterHandle, type SpawnedGateway, startRedisCluster } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailoverSurvived, failoverUnderLoad, spawnInstances } from './support/failover-scenario.js';
import { UPSTREAM_KEY } from './support/start-gateway.js';

const PREFIX = `t-failover-${process.pid}:`;
/** The shared bucket's key (services.ts's limiter prefix + core's `{global}` hash tag). */
const BUCKET_KEY = `${PREFIX}ratelimit:{global}`;

let cluster: RedisClusterHandle;
let sim: UpstreamSim;
let gateways: SpawnedGateway[] = [];

beforeAll(async () => {
  [cluster, sim] = await Promise.all([
    startRedisCluster(),
    startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false }),
  ]);
  gateways = await spawnInstances(sim, { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: PREFIX });
}, 30_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await sim?.close();
  await cluster?.stop();
});

describe('a Redis Cluster failover under load', () => {
  it('fails no chat request, delays none past 5 s, and every instance writes to the promoted replica within 10 s', async () => {
    const primary = await cluster.primaryFor(BUCKET_KEY);
    const replica = await cluster.replicaOf(primary);
    // 50 req/s for 16 s; the kill at 3 s leaves the promotion (2-5 s) and 10 s after it inside the load.
    const outcome = await failoverUnderLoad({
      gateways,
      kill: () => cluster.kill(primary),
      promotion: () => cluster.waitForPromotion({ key: BUCKET_KEY, killed: primary, timeoutMs: 12_000 }),
      durationMs: 16_000,
      killAtMs: 3000,
    });
    console.info('Cluster failover under load', outcome.measured);

    expect(outcome.promoted.port).toBe(replica);
    await expectFailoverSurvived(gateways, outcome);
  }, 40_000);
});
