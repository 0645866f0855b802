// The failover test both topologies run: 3 gateway processes under a bounded load while Redis's primary is killed.
import { type Promotion, type SpawnedGateway, spawnGateway } from '@llm-gateway/test-support';
import type { UpstreamSim } from '@llm-gateway/upstream-sim';
import { expect } from 'vitest';
import { boundedLoad, summary, untilEachWrites } from './failover-load.js';
import { UPSTREAM_KEY } from './start-gateway.js';

/** Processes (not in-process apps), so each names its Redis connections after its own PID. */
export async function spawnInstances(
  sim: UpstreamSim,
  topologyEnv: Record<string, string>,
): Promise<SpawnedGateway[]> {
  const env = {
    PROXYAPI_API_KEY: UPSTREAM_KEY,
    OPENROUTER_BASE_URL: sim.baseUrl,
    // High enough that the whole load is admitted: every answer should be a 200.
    RATE_LIMIT_REQUESTS_PER_MINUTE: '100000',
    ...topologyEnv,
  };
  const gateways = await Promise.all([spawnGateway(env), spawnGateway(env), spawnGateway(env)]);
  await Promise.all(gateways.map((gateway) => untilReady(gateway.url)));
  return gateways;
}

async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await fetch(`${url}/health/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url} never became ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface FailoverOptions {
  gateways: readonly SpawnedGateway[];
  /** Kills the primary (SIGKILL). */
  kill: () => unknown;
  /** Resolves when a replica took over. */
  promotion: () => Promise<Promotion>;
  /** How long the load runs; the kill comes `killAtMs` into it. */
  durationMs: number;
  killAtMs: number;
}

/**
 * 50 req/s spread over the instances for `durationMs`; the kill at `killAtMs`; then, on the node that
 * took over, how long after its promotion each instance ran the bucket script there (within 10 s).
 */
export async function failoverUnderLoad(options: FailoverOptions) {
  const { gateways, kill, promotion, durationMs, killAtMs } = options;
  let killedAt = 0;
  const load = boundedLoad({
    urls: gateways.map((gateway) => gateway.url),
    perSecond: 50,
    durationMs,
    at: {
      atMs: killAtMs,
      run: () => {
        killedAt = Date.now();
        void kill();
      },
    },
  });
  await new Promise((resolve) => setTimeout(resolve, killAtMs));
  const promoted = await promotion();
  const writers = await untilEachWrites({
    port: promoted.port,
    pids: gateways.map((gateway) => gateway.process.pid ?? -1),
    since: promoted.at,
    timeoutMs: 10_000,
  });
  const result = summary(await load);
  return {
    promoted,
    measured: {
      promotedAfterKillMs: promoted.at - killedAt,
      wroteAfterPromotionMs: [...writers.values()],
      ...result,
    },
    writers,
  };
}

/**
 * Issue 16's bar: 0 chat requests answered 5xx (or not at all), none over 5 s, every instance running
 * the bucket script on the promoted node within 10 s of its promotion, each limiter back on Redis.
 */
export async function expectFailoverSurvived(
  gateways: readonly SpawnedGateway[],
  { measured, writers }: Awaited<ReturnType<typeof failoverUnderLoad>>,
): Promise<void> {
  expect(measured.firstFailures).toEqual([]);
  expect(measured.ok).toBe(measured.total);
  expect(measured.maxMs).toBeLessThan(5000);
  for (const [pid, ms] of writers) expect({ pid, wrote: ms !== undefined }).toEqual({ pid, wrote: true });
  // Back on the shared bucket everywhere (not on the local stand-in of RATE_LIMIT_REDIS_DOWN).
  expect(await limiterBackends(gateways)).toEqual(gateways.map(() => 'redis'));
}

/** What the load balancer's health checks see as the limiter's backend on each instance. */
export async function limiterBackends(gateways: readonly SpawnedGateway[]): Promise<string[]> {
  return Promise.all(
    gateways.map(async (gateway) => {
      const body = (await (await fetch(`${gateway.url}/metrics`)).json()) as {
        rate_limiter: { backend: string };
      };
      return body.rate_limiter.backend;
    }),
  );
}
