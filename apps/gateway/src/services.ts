// Wires core's engine from the config: Redis, upstream client, policies, chat service, and the /metrics snapshot.
import {
  type ChatService,
  type CircuitBreaker,
  type ConcurrencySnapshot,
  createChatService,
  createCircuitBreaker,
  createConcurrencyLimiter,
  createMemoryCacheStore,
  createMemoryTicketStore,
  createRateLimiter,
  createRedisCacheStore,
  createRedisClient,
  createRedisTicketStore,
  createResponseCache,
  createRetryPolicy,
  createUpstreamClient,
  type RateLimiter,
  type ResponseCache,
  type ResponseCacheSnapshot,
  type TicketStore,
} from '@llm-gateway/core';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from './config.js';
import type { GatewayLogger } from './logger.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './metrics/prometheus-metrics.js';
import { createReadiness, type Readiness } from './readiness.js';

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
  upstream_concurrency: ConcurrencySnapshot;
}

export interface GatewayServices {
  chat: ChatService;
  /** Prepared tRPC streams waiting to be opened (in Redis when configured, so any instance can open them). */
  tickets: TicketStore;
  snapshot(): Promise<MetricsSnapshot>;
  /** This instance's Prometheus registry, fed by the components' events. */
  metrics: PrometheusMetrics;
  /** GET /health/ready; graceful shutdown calls `readiness.markShuttingDown()`. */
  readiness: Readiness;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: GatewayConfig;
  logger: GatewayLogger;
  /** Where the upstream really is (the embedded simulator in demo mode); defaults to the config's URL. */
  upstreamBaseUrl?: string;
}

function createBreaker(
  config: GatewayConfig,
  logger: GatewayLogger,
  metrics: PrometheusMetrics,
): CircuitBreaker | undefined {
  if (!config.circuitBreaker.enabled) return undefined;
  return createCircuitBreaker({
    failureThreshold: config.circuitBreaker.failureThreshold,
    openMs: config.circuitBreaker.timeoutSeconds * 1000,
    onEvent: ({ from, to, snapshot, requestId }) => {
      metrics.breakerTransition(from, to);
      const reqId = requestId;
      if (to === 'open')
        logger.warn({ reqId, from, to, half_open_at: snapshot.half_open_at }, 'Circuit breaker opened');
      else if (to === 'closed') logger.info({ reqId, from, to }, 'Circuit breaker closed');
      else logger.info({ reqId, from, to }, 'Circuit breaker half-open: letting one probe through');
    },
  });
}

/** The shared bucket (`scope: gateway`) or the per-API-key buckets (`scope: key`). */
function createLimiter(
  scope: 'gateway' | 'key',
  requestsPerMinute: number,
  config: GatewayConfig,
  logger: GatewayLogger,
  redis: Redis | undefined,
  metrics: PrometheusMetrics,
): RateLimiter {
  const keyPrefix = `${config.redis.keyPrefix}ratelimit:${scope === 'key' ? 'key:' : ''}`;
  return createRateLimiter({
    requestsPerMinute,
    ...(redis ? { redis: { client: redis, keyPrefix } } : {}),
    onEvent: (event) => {
      if (event.type === 'limited') {
        metrics.rateLimited();
        const retryAfterMs = Math.round(event.retryAfterMs);
        if (scope === 'key')
          logger.warn(
            { reqId: event.requestId, key_id: event.key, retry_after_ms: retryAfterMs },
            'Rate limit reached for an API key',
          );
        else logger.warn({ reqId: event.requestId, retry_after_ms: retryAfterMs }, 'Rate limit reached');
      } else if (scope === 'key') {
        // The shared limiter reports Redis switches; the per-key one uses the same client.
      } else if (event.backend === 'memory') {
        logger.warn({ reason: event.reason }, 'Rate limiter: Redis unreachable, using the in-memory bucket');
      } else logger.info('Rate limiter: Redis is back, using the shared bucket');
    },
  });
}

function createCache(
  config: GatewayConfig,
  logger: GatewayLogger,
  redis: Redis | undefined,
): ResponseCache | undefined {
  if (!config.cache.enabled) return undefined;
  const store = redis
    ? createRedisCacheStore({
        redis,
        timeoutMs: config.redis.commandTimeoutMs,
        onEvent: (event) => {
          if (event.type === 'unavailable')
            logger.warn({ reason: event.error }, 'Cache: Redis unreachable, serving misses');
          else logger.info('Cache: Redis is back');
        },
      })
    : createMemoryCacheStore({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  return createResponseCache({
    store,
    ttlSeconds: config.cache.ttlSeconds,
    keyPrefix: `${config.redis.keyPrefix}cache:`,
  });
}

/** Long enough for a client to open the stream right after preparing it, short enough to hold little. */
const STREAM_TICKET_TTL_MS = 30_000;
const STREAM_TICKET_MAX_BYTES = 64 * 1024 * 1024;

function createTickets(config: GatewayConfig, redis: Redis | undefined): TicketStore {
  const memory = createMemoryTicketStore({ ttlMs: STREAM_TICKET_TTL_MS, maxBytes: STREAM_TICKET_MAX_BYTES });
  if (!redis) return memory;
  return createRedisTicketStore({ redis, keyPrefix: `${config.redis.keyPrefix}stream:`, fallback: memory });
}

export function createServices({ config, logger, upstreamBaseUrl }: CreateServicesOptions): GatewayServices {
  const redis = config.redis.url
    ? createRedisClient(config.redis.url, {
        commandTimeoutMs: config.redis.commandTimeoutMs,
        onError: () => {
          // Outages are reported once by the components that use Redis; per-retry noise is dropped here.
        },
      })
    : undefined;
  const upstream = createUpstreamClient({
    baseUrl: upstreamBaseUrl ?? config.upstream.baseUrl,
    ...(config.upstream.apiKey === undefined ? {} : { apiKey: config.upstream.apiKey }),
    timeoutMs: config.upstream.timeoutMs,
    streamIdleTimeoutMs: config.limits.streamIdleTimeoutMs,
    streamMaxDurationMs: config.limits.streamMaxDurationMs,
  });
  const concurrency = createConcurrencyLimiter({
    maxConcurrent: config.limits.maxConcurrentUpstream,
    maxQueue: config.limits.upstreamQueueMax,
    queueTimeoutMs: config.limits.upstreamQueueTimeoutMs,
  });
  const metrics = createPrometheusMetrics();
  const breaker = createBreaker(config, logger, metrics);
  const rateLimiter = config.rateLimit.enabled
    ? createLimiter('gateway', config.rateLimit.requestsPerMinute, config, logger, redis, metrics)
    : undefined;
  const perKey = config.auth.perKeyRequestsPerMinute;
  const clientRateLimiter =
    perKey === undefined ? undefined : createLimiter('key', perKey, config, logger, redis, metrics);
  const cache = createCache(config, logger, redis);
  metrics.watch({ breaker, cache, rateLimiter, concurrency });
  const retry =
    config.retry.maxAttempts > 1
      ? createRetryPolicy({
          maxAttempts: config.retry.maxAttempts,
          baseDelayMs: config.retry.baseDelayMs,
          maxDelayMs: config.retry.maxDelayMs,
          maxRetryAfterMs: config.retry.retryAfterCapMs,
          deadlineMs: config.retry.deadlineMs,
          onRetry: ({ attempt, delayMs, error, requestId }) => {
            metrics.retry();
            logger.info(
              {
                reqId: requestId,
                attempt,
                delay_ms: Math.round(delayMs),
                code: (error as { code?: unknown }).code,
              },
              'Retrying upstream call',
            );
          },
        })
      : undefined;
  const chat = createChatService({
    upstream,
    defaultModel: config.upstream.defaultModel,
    streamingEnabled: config.streaming.enabled,
    rateLimiter,
    clientRateLimiter,
    retry,
    breaker,
    cache,
    maxMessages: config.limits.maxMessages,
    concurrency,
    onCacheLookup: ({ requestId, hit }) =>
      logger.info({ reqId: requestId }, hit ? 'Cache HIT' : 'Cache MISS'),
    onUpstreamSuccess: ({ requestId, model, stream, latencyMs, attempts }) => {
      metrics.upstreamSuccess(stream, latencyMs / 1000);
      logger.info(
        { reqId: requestId, model, stream, attempts, latency_ms: Math.round(latencyMs) },
        'LLM completion success',
      );
    },
    onUpstreamFailure: ({ code }) => metrics.upstreamFailure(code),
    onFirstChunk: ({ latencyMs }) => metrics.firstToken(latencyMs / 1000),
    onStreamStart: () => metrics.streamStarted(),
    onStreamEnd: () => metrics.streamEnded(),
  });

  return {
    chat,
    tickets: createTickets(config, redis),
    snapshot: async () => {
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
      };
    },
    metrics,
    readiness: createReadiness({ redis, breaker, timeoutMs: config.redis.commandTimeoutMs }),
    close: async () => {
      await upstream.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
