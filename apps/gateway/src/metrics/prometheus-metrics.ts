// Every Prometheus metric the gateway exposes, on its own registry, behind a small recording API.
import type {
  BreakerState,
  ChatEvent,
  CircuitBreaker,
  ConcurrencyLimiter,
  RateLimiter,
  RedisTopologyKind,
  ResponseCache,
} from '@llm-gateway/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { watchRedis } from './redis-gauges.js';

const PREFIX = 'llm_gateway_';

/** LLM calls run from milliseconds (cache hits) to minutes (long generations, UPSTREAM_TIMEOUT_MS). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half_open', 'open'];
/** The only moves the breaker makes; pre-set to 0 so rate() sees the first one. */
const BREAKER_TRANSITIONS: ReadonlyArray<readonly [BreakerState, BreakerState]> = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'closed'],
  ['half_open', 'open'],
];

/** The components read at scrape time; an absent one (disabled) exposes no series at all. */
export interface MetricSources {
  /** The default route's first upstream's breaker: the spec's one breaker, as before routing. */
  breaker?: CircuitBreaker | undefined;
  /** Every upstream's breaker, for the per-upstream state. */
  upstreams?: ReadonlyArray<{ name: string; breaker: CircuitBreaker | undefined }>;
  cache?: ResponseCache | undefined;
  rateLimiter?: RateLimiter | undefined;
  /** The upstream slots of all upstreams together. */
  concurrency?: Pick<ConcurrencyLimiter, 'snapshot'> | undefined;
  /** The Redis client (read for its status) and its topology. */
  redis?: { connection: { readonly status: string }; topology: RedisTopologyKind } | undefined;
}

export interface PrometheusMetrics {
  /** This instance's registry: never prom-client's global one, so many apps can live in one process. */
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the route pattern (or `not_found`), never the raw URL. */
  httpRequest(request: { route: string; method: string; status: number; seconds: number }): void;
  /** The chat service's events: upstream latency and errors, time to first token, streams in flight. */
  chatEvent(event: ChatEvent): void;
  /** One more upstream attempt after a failed one. */
  retry(): void;
  rateLimited(): void;
  breakerTransition(from: BreakerState, to: BreakerState): void;
  /** Starts exposing the state of the components that exist (called once they are built). */
  watch(sources: MetricSources): void;
}

export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from request to the end of the response (a whole stream for SSE answers).',
    labelNames: ['route', 'method'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: `${PREFIX}upstream_request_duration_seconds`,
    help: 'Successful upstream calls, from admission to the last byte, retries included.',
    labelNames: ['stream'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const upstreamErrors = new Counter({
    name: `${PREFIX}upstream_errors_total`,
    help: 'Calls that reached the upstream and failed (after retries), by gateway error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const retries = new Counter({
    name: `${PREFIX}retries_total`,
    help: 'Upstream attempts repeated after a retryable failure.',
    registers,
  });
  const firstToken = new Histogram({
    name: `${PREFIX}stream_time_to_first_token_seconds`,
    help: 'Fresh upstream streams: time from admission to the first content chunk.',
    buckets: FIRST_TOKEN_BUCKETS,
    registers,
  });
  const streamsInFlight = new Gauge({
    name: `${PREFIX}streams_in_flight`,
    help: 'Streams being served to clients now (REST and tRPC).',
    registers,
  });
  const rateLimitRejections = new Counter({
    name: `${PREFIX}rate_limit_rejections_total`,
    help: 'Requests refused with 429 by the gateway rate limit.',
    registers,
  });
  // Registered in watch(), after the state gauge: reading the state may move the breaker to half-open
  // (it does so lazily), and the counter is then read in the same scrape.
  const breakerTransitions = new Counter({
    name: `${PREFIX}circuit_breaker_transitions_total`,
    help: 'Circuit breaker state changes.',
    labelNames: ['from', 'to'] as const,
    registers: [],
  });

  // Children are made once per label combination: a request costs two Map lookups, not new label objects.
  type RequestCounter = ReturnType<typeof httpRequests.labels>;
  type DurationHistogram = ReturnType<typeof httpDuration.labels>;
  interface RouteChildren {
    duration: DurationHistogram;
    byStatus: Map<number, RequestCounter>;
  }
  const routes = new Map<string, Map<string, RouteChildren>>();
  function childrenFor(route: string, method: string): RouteChildren {
    let byMethod = routes.get(route);
    if (!byMethod) {
      byMethod = new Map();
      routes.set(route, byMethod);
    }
    let children = byMethod.get(method);
    if (!children) {
      children = { duration: httpDuration.labels(route, method), byStatus: new Map() };
      byMethod.set(method, children);
    }
    return children;
  }
  /** A gauge read from a component at scrape time. */
  const readGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  /** A counter that mirrors a component's own count (the one GET /metrics shows), so the two never disagree. */
  const mirrorCounter = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  const upstreamDurationStream = upstreamDuration.labels('true');
  const upstreamDurationJson = upstreamDuration.labels('false');

  return {
    registry,
    httpRequest({ route, method, status, seconds }) {
      const children = childrenFor(route, method);
      let counter = children.byStatus.get(status);
      if (!counter) {
        counter = httpRequests.labels(route, method, String(status));
        children.byStatus.set(status, counter);
      }
      counter.inc();
      children.duration.observe(seconds);
    },
    chatEvent(event) {
      switch (event.type) {
        case 'upstream-success':
          (event.stream ? upstreamDurationStream : upstreamDurationJson).observe(event.latencyMs / 1000);
          return;
        case 'upstream-failure':
          upstreamErrors.inc({ code: event.code });
          return;
        case 'first-chunk':
          firstToken.observe(event.latencyMs / 1000);
          return;
        case 'stream-start':
          streamsInFlight.inc();
          return;
        case 'stream-end':
          streamsInFlight.dec();
          return;
        case 'cache-lookup':
          // Read from the cache's own counters at scrape time (see watch), so the two never disagree.
          return;
        case 'route-failed':
          // Each target's failure is counted by its own upstream-failure code; the route adds nothing.
          return;
        default:
          return unhandled(event);
      }
    },
    retry: () => retries.inc(),
    rateLimited: () => rateLimitRejections.inc(),
    breakerTransition: (from, to) => breakerTransitions.inc({ from, to }),
    watch({ breaker, upstreams = [], cache, rateLimiter, concurrency, redis }) {
      const guarded = upstreams.filter((upstream) => upstream.breaker !== undefined);
      if (guarded.length > 0) {
        new Gauge({
          name: `${PREFIX}upstream_circuit_breaker_state`,
          help: 'Circuit breaker state per upstream: 1 for the current state, 0 for the others.',
          labelNames: ['upstream', 'state'] as const,
          registers,
          collect() {
            for (const { name, breaker: own } of guarded) {
              const current = own?.snapshot().state;
              for (const state of BREAKER_STATES)
                this.set({ upstream: name, state }, state === current ? 1 : 0);
            }
          },
        });
      }
      // Each is created only for a component that exists: a disabled one shows no series, not a false 0.
      if (breaker) {
        new Gauge({
          name: `${PREFIX}circuit_breaker_state`,
          help: 'Circuit breaker state: 1 for the current state, 0 for the others.',
          labelNames: ['state'] as const,
          registers,
          collect() {
            const current = breaker.snapshot().state;
            for (const state of BREAKER_STATES) this.set({ state }, state === current ? 1 : 0);
          },
        });
        for (const [from, to] of BREAKER_TRANSITIONS) breakerTransitions.inc({ from, to }, 0);
        registry.registerMetric(breakerTransitions);
      }
      if (cache) {
        // Mirrors the cache's own counters (the ones GET /metrics shows), so the two never disagree.
        new Counter({
          name: `${PREFIX}cache_lookups_total`,
          help: 'Response cache lookups, by result.',
          labelNames: ['result'] as const,
          registers,
          collect() {
            const snapshot = cache.snapshot();
            this.reset();
            this.inc({ result: 'hit' }, snapshot.hits);
            this.inc({ result: 'miss' }, snapshot.misses);
          },
        });
        mirrorCounter(
          'cache_coalesced_total',
          'Requests that joined an identical call in flight instead of making their own.',
          () => cache.snapshot().coalesced,
        );
      }
      if (rateLimiter) {
        new Gauge({
          name: `${PREFIX}rate_limit_tokens_available`,
          help: 'Tokens in the global rate-limit bucket (read at scrape time, bounded by the Redis command timeout).',
          registers,
          async collect() {
            try {
              const tokens = (await rateLimiter.snapshot()).tokens_available;
              // null: the `open` or `closed` policy decides during a Redis outage, no bucket to read.
              if (tokens !== null) this.set(tokens);
            } catch {
              // A failed read keeps the last value: the scrape itself must not fail.
            }
          },
        });
      }
      if (redis) watchRedis({ registry, prefix: PREFIX }, { redis, rateLimiter });
      if (concurrency) {
        readGauge(
          'upstream_in_flight',
          'Upstream calls holding a concurrency slot now (a stream holds one until it ends).',
          () => concurrency.snapshot().in_flight,
        );
        readGauge(
          'upstream_queued',
          'Calls waiting for an upstream slot now.',
          () => concurrency.snapshot().queued,
        );
        // Mirrors the limiter's own counter (the one GET /metrics shows).
        mirrorCounter(
          'upstream_rejected_total',
          'Calls refused with 503 overloaded: the slot queue was full or the wait too long.',
          () => concurrency.snapshot().rejected,
        );
      }
    },
  };
}

function unhandled(_event: never): void {}
