// Readiness: whether this instance should get traffic now (not shutting down, able to limit), and why.
import type {
  BreakerState,
  BucketBackend,
  CircuitBreaker,
  RateLimiter,
  RedisConnection,
  RedisDownPolicy,
  RedisTopologyKind,
} from '@llm-gateway/core';

export type RedisCheck =
  | { status: 'ok'; latency_ms: number; topology: RedisTopologyKind }
  | {
      status: 'down';
      latency_ms: number;
      reason: 'not_connected' | 'timeout' | 'error';
      topology: RedisTopologyKind;
    }
  | { status: 'disabled' };

/** Who decides the shared rate limit now: `redis`, or the RATE_LIMIT_REDIS_DOWN stand-in. */
export type RateLimiterCheck = { backend: BucketBackend | 'disabled'; redis_down_policy?: RedisDownPolicy };

export interface ReadinessReport {
  /** `degraded` is still ready (200): the upstream is failing, which another instance cannot fix. */
  status: 'ready' | 'degraded' | 'not_ready';
  checks: {
    redis: RedisCheck;
    rate_limiter: RateLimiterCheck;
    circuit_breaker: { status: BreakerState | 'disabled' };
    shutdown: { status: 'ok' | 'shutting_down' };
  };
}

export interface Readiness {
  readonly shuttingDown: boolean;
  /** From now on the instance reports not ready, so load balancers drain it before it closes. */
  markShuttingDown(): void;
  /** Never takes much longer than `timeoutMs`, even with Redis frozen. */
  check(): Promise<ReadinessReport>;
}

export interface ReadinessOptions {
  /** Absent: no Redis topology is configured and Redis is not checked. */
  redis?: { connection: RedisConnection; topology: RedisTopologyKind } | undefined;
  /** The shared limiter's backend (absent: the limit is off); with Redis, its outage policy too. */
  rateLimiter?: Pick<RateLimiter, 'backend' | 'snapshot'> | undefined;
  /** RATE_LIMIT_REDIS_DOWN: with `closed`, an instance without Redis refuses everything and is not ready. */
  redisDown: RedisDownPolicy;
  /** The breakers of the default route's upstreams (none: breakers are off). */
  breakers: readonly CircuitBreaker[];
  /** Bound on the Redis PING (the configured Redis command timeout). */
  timeoutMs: number;
}

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/**
 * One PING, bounded by its own timer too: the client's commandTimeout is not relied on alone. On a
 * Cluster it reaches one node: `ok` says the cluster answers, the limiter's backend says whether the
 * bucket's own slot does.
 */
async function pingRedis(
  { connection: redis, topology }: NonNullable<ReadinessOptions['redis']>,
  timeoutMs: number,
): Promise<RedisCheck> {
  // Reconnecting or not yet connected: a PING would only wait in the offline queue.
  if (redis.status !== 'ready') return { status: 'down', latency_ms: 0, reason: 'not_connected', topology };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      redis.ping().then(
        () => 'ok' as const,
        () => 'error' as const,
      ),
      timedOut,
    ]);
    const latency_ms = roundMs(performance.now() - started);
    return outcome === 'ok'
      ? { status: 'ok', latency_ms, topology }
      : { status: 'down', latency_ms, reason: outcome, topology };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The default route's state: `closed` while every upstream takes calls; otherwise the state of the
 * one that takes them best. A route that can still route around a failing upstream is ready.
 */
function routeState(breakers: readonly CircuitBreaker[]): BreakerState | 'disabled' {
  if (breakers.length === 0) return 'disabled';
  const states = breakers.map((breaker) => breaker.snapshot().state);
  if (states.includes('closed')) return 'closed';
  return states.includes('half_open') ? 'half_open' : 'open';
}

/**
 * Redis down makes the instance `degraded` (still 200) under the `local` and `open` policies: every
 * instance shares the one Redis, and taking them all out of the load balancer would turn a limited
 * service into no service. Under `closed` this instance refuses every request, so it is not ready and
 * traffic goes to instances that still reach Redis.
 */
export function createReadiness(options: ReadinessOptions): Readiness {
  const { redis, rateLimiter, redisDown, breakers, timeoutMs } = options;
  let shuttingDown = false;
  return {
    get shuttingDown() {
      return shuttingDown;
    },
    markShuttingDown() {
      shuttingDown = true;
    },
    async check() {
      const redisCheck: RedisCheck = redis ? await pingRedis(redis, timeoutMs) : { status: 'disabled' };
      const breakerState = routeState(breakers);
      // Redis answers but the limiter still runs on its stand-in: probe it now (a snapshot is a bounded
      // peek that switches back on success). Under `closed` no traffic comes to do it while not ready.
      if (redisCheck.status === 'ok' && rateLimiter !== undefined && rateLimiter.backend !== 'redis') {
        await rateLimiter.snapshot();
      }
      // Down here: the PING failed, or the limiter's own calls fail (on a Cluster, its slot's primary).
      const limiterOff = rateLimiter !== undefined && rateLimiter.backend !== 'redis';
      const redisDownHere = redis !== undefined && (redisCheck.status === 'down' || limiterOff);
      const limiterRefuses = redisDownHere && rateLimiter !== undefined && redisDown === 'closed';
      const notReady = shuttingDown || limiterRefuses;
      const degraded = breakerState === 'open' || breakerState === 'half_open' || redisDownHere;
      return {
        status: notReady ? 'not_ready' : degraded ? 'degraded' : 'ready',
        checks: {
          redis: redisCheck,
          rate_limiter: limiterCheck(rateLimiter, redis === undefined ? undefined : redisDown),
          circuit_breaker: { status: breakerState },
          shutdown: { status: shuttingDown ? 'shutting_down' : 'ok' },
        },
      };
    },
  };
}

function limiterCheck(
  limiter: ReadinessOptions['rateLimiter'],
  policy: RedisDownPolicy | undefined,
): RateLimiterCheck {
  if (limiter === undefined) return { backend: 'disabled' };
  return policy === undefined
    ? { backend: limiter.backend }
    : { backend: limiter.backend, redis_down_policy: policy };
}
