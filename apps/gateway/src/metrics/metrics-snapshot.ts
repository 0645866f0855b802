// GET /metrics' JSON: the spec's shape (breaker, limiter, cache, streaming) plus cache and slot details.
import type {
  CircuitBreaker,
  CircuitBreakerSnapshot,
  ConcurrencyLimiter,
  ConcurrencySnapshot,
  RateLimiter,
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
  rate_limiter: { rate: number; tokens_available: number | null; backend: string; degraded: boolean };
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
}

/** Reads every component now; a disabled one shows as `disabled` (and the spec's numbers), never a false 0. */
export function metricsSnapshot(sources: MetricsSources): () => Promise<MetricsSnapshot> {
  const { config, breaker, upstreams, rateLimiter, cache, concurrency } = sources;
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
