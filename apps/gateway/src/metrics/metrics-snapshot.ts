// GET /metrics' JSON: the spec's shape (breaker, limiter, cache, streaming) plus cache and slot details.
import type {
  CircuitBreaker,
  CircuitBreakerSnapshot,
  ConcurrencyLimiter,
  ConcurrencySnapshot,
  RateLimiter,
  RateLimiterSnapshot,
  RedisTopologyKind,
  ResponseCache,
  ResponseCacheSnapshot,
} from '@llm-gateway/core';
import type { GatewayConfig } from '../config.js';

/** The wire shape: a contract for REST clients and the typed client's `metrics()` alike. */
export interface MetricsSnapshot {
  circuit_breaker: {
    state: string;
    failure_count: number;
    failure_threshold: number;
    opened_at: string | null;
    half_open_at: string | null;
  };
  /** `backend`: redis, memory (no Redis, or `local` during an outage), open, closed, or disabled. */
  rate_limiter: Omit<RateLimiterSnapshot, 'backend'> & {
    backend: RateLimiterSnapshot['backend'] | 'disabled';
  };
  /** The Redis deployment and whether this instance's client is connected (`disabled`: none configured). */
  redis: { topology: RedisTopologyKind | 'disabled'; status: 'up' | 'down' | 'disabled' };
  cache_enabled: boolean;
  cache: ResponseCacheSnapshot | null;
  streaming_enabled: boolean;
  /** All upstreams' slots together. */
  upstream_concurrency: ConcurrencySnapshot;
  /** Each upstream by name: its own breaker (null when breakers are off) and slots. */
  upstreams: Record<
    string,
    { circuit_breaker: CircuitBreakerSnapshot | null; concurrency: ConcurrencySnapshot | null }
  >;
}

export interface MetricsSources {
  config: GatewayConfig;
  /** The default route's first upstream's breaker: the spec's `circuit_breaker`. */
  breaker: CircuitBreaker | undefined;
  upstreams: ReadonlyArray<{
    name: string;
    breaker: CircuitBreaker | undefined;
    concurrency: ConcurrencyLimiter | undefined;
  }>;
  rateLimiter: RateLimiter | undefined;
  cache: ResponseCache | undefined;
  concurrency: Pick<ConcurrencyLimiter, 'snapshot'>;
  /** The Redis client (read for its status only) and its topology; absent without Redis. */
  redis?: { connection: { readonly status: string }; topology: RedisTopologyKind } | undefined;
}

/** Connected: `ready`. A Cluster stays `ready` with one primary down; the limiter's backend shows that. */
export function redisState(redis: MetricsSources['redis']): MetricsSnapshot['redis'] {
  if (redis === undefined) return { topology: 'disabled', status: 'disabled' };
  return { topology: redis.topology, status: redis.connection.status === 'ready' ? 'up' : 'down' };
}

/** Reads every component now; a disabled one shows as `disabled` (and the spec's numbers), never a false 0. */
export function metricsSnapshot(sources: MetricsSources): () => Promise<MetricsSnapshot> {
  const { config, breaker, upstreams, rateLimiter, cache, concurrency, redis } = sources;
  return async () => {
    const limiter = rateLimiter ? await rateLimiter.snapshot() : undefined;
    return {
      circuit_breaker: breaker
        ? breaker.snapshot()
        : {
            state: 'disabled',
            failure_count: 0,
            failure_threshold: config.circuitBreaker.failureThreshold,
            opened_at: null,
            half_open_at: null,
          },
      rate_limiter: limiter ?? {
        rate: config.rateLimit.requestsPerMinute,
        tokens_available: null,
        backend: 'disabled',
        degraded: false,
      },
      redis: redisState(redis),
      cache_enabled: cache !== undefined,
      cache: cache ? cache.snapshot() : null,
      streaming_enabled: config.streaming.enabled,
      upstream_concurrency: concurrency.snapshot(),
      upstreams: Object.fromEntries(
        upstreams.map((upstream) => [
          upstream.name,
          {
            circuit_breaker: upstream.breaker?.snapshot() ?? null,
            concurrency: upstream.concurrency?.snapshot() ?? null,
          },
        ]),
      ),
    };
  };
}
