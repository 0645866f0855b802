// Wires core's engine from the config: Redis, upstream client, policies, chat service, and the /metrics snapshot.
import {
  type ChatService,
  type CircuitBreaker,
  createChatService,
  createCircuitBreaker,
  createMemoryCacheStore,
  createRateLimiter,
  createRedisCacheStore,
  createRedisClient,
  createResponseCache,
  createRetryPolicy,
  createUpstreamClient,
  type RateLimiter,
  type ResponseCache,
  type ResponseCacheSnapshot,
} from '@llm-gateway/core';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from './config.js';
import type { GatewayLogger } from './logger.js';

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
}

export interface GatewayServices {
  chat: ChatService;
  snapshot(): Promise<MetricsSnapshot>;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: GatewayConfig;
  logger: GatewayLogger;
  /** Where the upstream really is (the embedded simulator in demo mode); defaults to the config's URL. */
  upstreamBaseUrl?: string;
}

function createBreaker(config: GatewayConfig, logger: GatewayLogger): CircuitBreaker | undefined {
  if (!config.circuitBreaker.enabled) return undefined;
  return createCircuitBreaker({
    failureThreshold: config.circuitBreaker.failureThreshold,
    openMs: config.circuitBreaker.timeoutSeconds * 1000,
    onEvent: ({ from, to, snapshot }) => {
      if (to === 'open')
        logger.warn({ from, to, half_open_at: snapshot.half_open_at }, 'Circuit breaker opened');
      else if (to === 'closed') logger.info({ from, to }, 'Circuit breaker closed');
      else logger.info({ from, to }, 'Circuit breaker half-open: letting one probe through');
    },
  });
}

function createLimiter(
  config: GatewayConfig,
  logger: GatewayLogger,
  redis: Redis | undefined,
): RateLimiter | undefined {
  if (!config.rateLimit.enabled) return undefined;
  return createRateLimiter({
    requestsPerMinute: config.rateLimit.requestsPerMinute,
    ...(redis ? { redis: { client: redis, keyPrefix: `${config.redis.keyPrefix}ratelimit:` } } : {}),
    onEvent: (event) => {
      if (event.type === 'limited')
        logger.warn({ retry_after_ms: Math.round(event.retryAfterMs) }, 'Rate limit reached');
      else if (event.backend === 'memory') {
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
  });
  const breaker = createBreaker(config, logger);
  const rateLimiter = createLimiter(config, logger, redis);
  const cache = createCache(config, logger, redis);
  const retry =
    config.retry.maxAttempts > 1
      ? createRetryPolicy({
          maxAttempts: config.retry.maxAttempts,
          baseDelayMs: config.retry.baseDelayMs,
          maxDelayMs: config.retry.maxDelayMs,
          maxRetryAfterMs: config.retry.retryAfterCapMs,
          deadlineMs: config.retry.deadlineMs,
          onRetry: ({ attempt, delayMs, error }) =>
            logger.info(
              { attempt, delay_ms: Math.round(delayMs), code: (error as { code?: unknown }).code },
              'Retrying upstream call',
            ),
        })
      : undefined;
  const chat = createChatService({
    upstream,
    defaultModel: config.upstream.defaultModel,
    streamingEnabled: config.streaming.enabled,
    rateLimiter,
    retry,
    breaker,
    cache,
    onCacheLookup: ({ requestId, hit }) =>
      logger.info({ reqId: requestId }, hit ? 'Cache HIT' : 'Cache MISS'),
    onUpstreamSuccess: ({ requestId, model, stream, latencyMs, attempts }) =>
      logger.info(
        { reqId: requestId, model, stream, attempts, latency_ms: Math.round(latencyMs) },
        'LLM completion success',
      ),
  });

  return {
    chat,
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
      };
    },
    close: async () => {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
