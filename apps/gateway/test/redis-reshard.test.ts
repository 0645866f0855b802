// A Redis Cluster resharding under load: the limiter's slot moves to another primary while 3 gateway processes serve.
import { type RedisClusterHandle, type SpawnedGateway, startRedisCluster } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedLoad } from './support/failover-load.js';
import { limiterBackends, spawnInstances } from './support/failover-scenario.js';
import { readyInstances } from './support/redis-instances.js';
import { countAsked, fallbackLines, fillSlot, reshardUnderLoad } from './support/reshard-scenario.js';
import { type TestGateway, UPSTREAM_KEY } from './support/start-gateway.js';

const PREFIX = `t-reshard-${process.pid}:`;
/** The shared bucket's key (services.ts's limiter prefix + core's `{global}` hash tag). */
const BUCKET_KEY = `${PREFIX}ratelimit:{global}`;
/** Redirection and slot errors: none may reach the limiter (it would fall back instead of following). */
const REDIRECTED = /ASK|MOVED|TRYAGAIN|CROSSSLOT|CLUSTERDOWN/;

let cluster: RedisClusterHandle;
let sim: UpstreamSim;
let gateways: SpawnedGateway[] = [];
const started: TestGateway[] = [];

beforeAll(async () => {
  [cluster, sim] = await Promise.all([
    startRedisCluster(),
    startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false }),
  ]);
  gateways = await spawnInstances(sim, { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: PREFIX });
  // 2000 keys beside the bucket: moving the slot takes 21 MIGRATE batches, so it spans the load and
  // the bucket's key, once moved, is reached through ASK until the slot is handed over.
  await fillSlot(cluster, 'global', 2000);
}, 30_000);

afterAll(async () => {
  await Promise.all([...gateways.map((gateway) => gateway.stop()), ...started.map((gw) => gw.close())]);
  await sim?.close();
  await cluster?.stop();
});

/** A primary other than the one serving `key`'s slot now. */
async function anotherPrimary(key: string): Promise<number> {
  const owner = await cluster.primaryFor(key);
  const other = (await cluster.primaries()).find((port) => port !== owner);
  if (other === undefined) throw new Error('no other primary');
  return other;
}

describe('a Redis Cluster resharding under load', () => {
  it("fails no chat request, delays none past 5 s, and every instance's limiter follows the slot to its new primary", async () => {
    const to = await anotherPrimary(BUCKET_KEY);
    // 50 req/s for 10 s; the move starts at 2 s and takes about 4 s (20 pauses of 150 ms + redis-cli).
    const outcome = await reshardUnderLoad({
      cluster,
      gateways,
      key: BUCKET_KEY,
      to,
      durationMs: 10_000,
      migrateAtMs: 2000,
      pauseMs: 150,
    });
    const fallbacks = fallbackLines(gateways.map((gateway) => gateway.output));
    console.info('Cluster resharding under load', {
      ...outcome.measured,
      placement: outcome.placement,
      fallbacks,
    });

    const { measured } = outcome;
    expect(measured.firstFailures).toEqual([]);
    expect(measured.ok).toBe(measured.total);
    expect(measured.maxMs).toBeLessThan(5000);
    // The move was really followed: the target ran scripts after ASKING, and no redirection reached a caller.
    expect(measured.askedDuringMove.asking).toBeGreaterThan(0);
    expect(measured.askedDuringMove.scripts).toBeGreaterThan(0);
    expect(fallbacks.filter((line) => REDIRECTED.test(line))).toEqual([]);
    for (const [pid, ms] of outcome.writers)
      expect({ pid, wrote: ms !== undefined }).toEqual({ pid, wrote: true });
    // The fillers and the bucket's key; the source keeps none of the slot.
    expect(outcome.placement).toMatchObject({ existsOnTarget: 1, keysOnSource: 0 });
    expect(outcome.placement.keysOnTarget).toBeGreaterThan(2000);
    expect(await cluster.primaryFor(BUCKET_KEY)).toBe(to);
    expect(await limiterBackends(gateways)).toEqual(gateways.map(() => 'redis'));
  }, 30_000);

  it('keeps the shared limit exact across a move: 30/min over 3 instances admits 30 ± 1 of 90 requests', async () => {
    const exact = await readyInstances(
      3,
      {
        REDIS_CLUSTER_NODES: cluster.seeds,
        REDIS_KEY_PREFIX: `t-reshard-exact-${process.pid}:`,
        RATE_LIMIT_REQUESTS_PER_MINUTE: '30',
      },
      started,
    );
    const to = await anotherPrimary(BUCKET_KEY);
    // 90 requests over 2 s (a refill of 1 token at 30/min) while the same `{global}` slot moves again.
    const load = boundedLoad({ urls: exact.map((gw) => gw.url), perSecond: 45, durationMs: 2000 });
    const stopCounting = countAsked(to);
    const migration = await cluster.migrateSlot({ key: BUCKET_KEY, to, pauseMs: 40 });
    const asked = stopCounting();
    const outcomes = await load;
    const admitted = outcomes.filter((o) => o.status === 200).length;
    const fallbacks = fallbackLines(exact.map((gw) => gw.logs.lines));
    console.info('Shared limit across a move', {
      admitted,
      migrationMs: migration.doneAt - migration.startedAt,
      asked,
      fallbacks,
    });

    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    expect(admitted).toBeGreaterThanOrEqual(29);
    expect(admitted).toBeLessThanOrEqual(31);
    expect(fallbacks.filter((line) => REDIRECTED.test(line))).toEqual([]);
    expect(await cluster.primaryFor(BUCKET_KEY)).toBe(to);
  }, 20_000);
});
