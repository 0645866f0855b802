// Gateway instances on a real Sentinel-managed Redis (1 primary, 1 replica, 3 sentinels): cache, limit, failover.
import { type RedisSentinelHandle, type SpawnedGateway, startRedisSentinel } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailoverSurvived, failoverUnderLoad, spawnInstances } from './support/failover-scenario.js';
import { hitOnB, ninetyAtOnce, readyBody, readyInstances } from './support/redis-instances.js';
import { type TestGateway, UPSTREAM_KEY } from './support/start-gateway.js';

let sentinel: RedisSentinelHandle;
let sim: UpstreamSim;
const started: TestGateway[] = [];
let spawned: SpawnedGateway[] = [];

beforeAll(async () => {
  [sentinel, sim] = await Promise.all([
    startRedisSentinel(),
    startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([...started.map((gw) => gw.close()), ...spawned.map((gw) => gw.stop())]);
  await sim?.close();
  await sentinel?.stop();
});

const topology = () => ({ REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name });

describe('gateways on a Sentinel-managed Redis', () => {
  it('serve a hit on instance B for an answer instance A stored', async () => {
    const [a, b] = await readyInstances(
      2,
      { ...topology(), REDIS_KEY_PREFIX: `t-se-cache-${process.pid}:` },
      started,
    );
    const { status, stored, hit } = await hitOnB(
      a as TestGateway,
      b as TestGateway,
      'the same question under Sentinel',
    );
    expect(status).toBe(200);
    expect(hit).toEqual(stored);
    expect(b?.sim.stats.chatRequests).toBe(0);
    expect((await readyBody(a as TestGateway)).checks.redis.topology).toBe('sentinel');
  });

  it('share one limit: 20/min across 3 instances admits 20 ± 1 of 90 requests', async () => {
    const gws = await readyInstances(
      3,
      { ...topology(), REDIS_KEY_PREFIX: `t-se-limit-${process.pid}:`, RATE_LIMIT_REQUESTS_PER_MINUTE: '20' },
      started,
    );
    const statuses = await ninetyAtOnce(gws);
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(19);
    expect(admitted).toBeLessThanOrEqual(21);
    expect(statuses.filter((status) => status === 429)).toHaveLength(90 - admitted);
    expect(gws.reduce((sum, gw) => sum + gw.sim.stats.chatRequests, 0)).toBe(admitted);
    expect((await readyBody(gws[0] as TestGateway)).checks.rate_limiter.backend).toBe('redis');
  }, 20_000);

  // Last: it leaves the replica as the primary and the old primary dead.
  it('survive the primary being killed under load: no request fails or waits 5 s, all write to the new primary within 10 s', async () => {
    spawned = await spawnInstances(sim, { ...topology(), REDIS_KEY_PREFIX: `t-se-failover-${process.pid}:` });
    const [primary, replica] = sentinel.dataPorts;
    expect(await sentinel.primary()).toBe(primary);
    // 50 req/s for 14 s; the kill at 2 s leaves the switch (2-5 s) and 10 s after it inside the load.
    const outcome = await failoverUnderLoad({
      gateways: spawned,
      kill: () => sentinel.killPrimary(),
      promotion: () => sentinel.waitForPromotion({ from: primary, timeoutMs: 12_000 }),
      durationMs: 14_000,
      killAtMs: 2000,
    });
    console.info('Sentinel failover under load', outcome.measured);

    expect(outcome.promoted.port).toBe(replica);
    await expectFailoverSurvived(spawned, outcome);
  }, 40_000);
});
