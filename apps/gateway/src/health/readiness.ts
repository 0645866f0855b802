// Readiness: whether this instance should get traffic now (Redis reachable, not shutting down), and why.
import type { BreakerState, CircuitBreaker } from '@llm-gateway/core';
import type { Redis } from 'ioredis';

export type RedisCheck =
  | { status: 'ok'; latency_ms: number }
  | { status: 'down'; latency_ms: number; reason: 'not_connected' | 'timeout' | 'error' }
  | { status: 'disabled' };

export interface ReadinessReport {
  /** `degraded` is still ready (200): the upstream is failing, which another instance cannot fix. */
  status: 'ready' | 'degraded' | 'not_ready';
  checks: {
    redis: RedisCheck;
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
  /** Absent: REDIS_URL is not configured and Redis is not checked. */
  redis?: Redis | undefined;
  /** The breakers of the default route's upstreams (none: breakers are off). */
  breakers: readonly CircuitBreaker[];
  /** Bound on the Redis PING (the configured Redis command timeout). */
  timeoutMs: number;
}

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/** One PING, bounded by its own timer too: the client's commandTimeout is not relied on alone. */
async function pingRedis(redis: Redis, timeoutMs: number): Promise<RedisCheck> {
  // Reconnecting or not yet connected: a PING would only wait in the offline queue.
  if (redis.status !== 'ready') return { status: 'down', latency_ms: 0, reason: 'not_connected' };
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
    return outcome === 'ok' ? { status: 'ok', latency_ms } : { status: 'down', latency_ms, reason: outcome };
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

export function createReadiness({ redis, breakers, timeoutMs }: ReadinessOptions): Readiness {
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
      const notReady = shuttingDown || redisCheck.status === 'down';
      const degraded = breakerState === 'open' || breakerState === 'half_open';
      return {
        status: notReady ? 'not_ready' : degraded ? 'degraded' : 'ready',
        checks: {
          redis: redisCheck,
          circuit_breaker: { status: breakerState },
          shutdown: { status: shuttingDown ? 'shutting_down' : 'ok' },
        },
      };
    },
  };
}
