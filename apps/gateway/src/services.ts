// Wires core's engine from the config: Redis, upstream client, policies, chat service; logs and metrics subscribe.

import { hostname } from 'node:os';
import {
  type ChatService,
  createChatService,
  createMemoryCacheStore,
  createMemoryTicketStore,
  createRateLimiter,
  createRedisCacheStore,
  createRedisConnection,
  createRedisJournal,
  createRedisTicketStore,
  createResponseCache,
  createResumableStreams,
  createRetryPolicy,
  type RateLimiter,
  type RedisConnection,
  type ResponseCache,
  type ResumableStreams,
  type TicketStore,
  type UsageMeter,
} from '@llm-gateway/core';
import type { GatewayConfig } from './config.js';
import { createEngineLogs, type EngineLogs } from './engine-logs.js';
import { createReadiness, type Readiness } from './health/readiness.js';
import type { GatewayLogger } from './logger.js';
import { type MetricsSnapshot, metricsSnapshot } from './metrics/metrics-snapshot.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './metrics/prometheus-metrics.js';
import { createUsageMetrics } from './metrics/usage-metrics.js';
import { configuredModels, createQuotas } from './quotas.js';
import { createRequestLines, type RequestLines } from './request-lines.js';
import { createUpstreams } from './upstreams.js';

export interface GatewayServices {
  chat: ChatService;
  /** Tokens and cost per key (GET /v1/usage, tRPC usage); undefined with USAGE_ENABLED=false. */
  usage: UsageMeter | undefined;
  /** Prepared tRPC streams waiting to be opened (in Redis when configured, so any instance can open them). */
  tickets: TicketStore;
  /** Streams that outlive their connection for a reconnect (the copy in Redis when configured). */
  resumable: ResumableStreams;
  snapshot(): Promise<MetricsSnapshot>;
  /** This instance's Prometheus registry, fed by the components' events. */
  metrics: PrometheusMetrics;
  /** GET /health/ready; graceful shutdown calls `readiness.markShuttingDown()`. */
  readiness: Readiness;
  /** The engine's facts per REST chat request, for its one request line (request-log.ts). */
  requestLines: RequestLines;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: GatewayConfig;
  logger: GatewayLogger;
  /** Where the environment's upstream really is (the embedded simulator in demo mode); default: the config's URL. */
  upstreamBaseUrl?: string;
}

/** What the components report to: the log wording and the Prometheus registry. */
interface Observers {
  logs: EngineLogs;
  metrics: PrometheusMetrics;
}

/** The shared bucket (`scope: gateway`), the per-API-key buckets (`scope: key`), or token buckets (`tokens`). */
function createLimiter(
  {
    scope,
    requestsPerMinute,
    tokens,
  }: { scope: 'gateway' | 'key'; requestsPerMinute: number; tokens?: boolean },
  { config, redis }: { config: GatewayConfig; redis: RedisConnection | undefined },
  { logs, metrics }: Observers,
): RateLimiter {
  // Bucket keys are `<keyPrefix>{<bucket>}` (hash-tagged, see core's redis-keys.ts).
  const keyPrefix = `${config.redis.keyPrefix}ratelimit:${tokens ? 'tokens:' : ''}${scope === 'key' ? 'key:' : ''}`;
  const shared = {
    keyPrefix,
    whenDown: config.rateLimit.redisDown,
    instances: config.rateLimit.instances,
    deadlineMs: config.redis.commandTimeoutMs,
  };
  return createRateLimiter({
    requestsPerMinute,
    ...(redis ? { redis: { client: redis, ...shared } } : {}),
    onEvent: (event) => {
      if (event.type === 'limited') metrics.rateLimited();
      logs.rateLimiter(scope, event);
    },
  });
}

function createCache(
  config: GatewayConfig,
  redis: RedisConnection | undefined,
  logs: EngineLogs,
): ResponseCache | undefined {
  if (!config.cache.enabled) return undefined;
  const store = redis
    ? createRedisCacheStore({ redis, timeoutMs: config.redis.commandTimeoutMs, onEvent: logs.cacheStore })
    : createMemoryCacheStore({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  return createResponseCache({
    store,
    ttlSeconds: config.cache.ttlSeconds,
    keyPrefix: `${config.redis.keyPrefix}cache:`,
  });
}

function createTickets(config: GatewayConfig, redis: RedisConnection | undefined): TicketStore {
  const memory = createMemoryTicketStore(config.streamTickets);
  if (!redis) return memory;
  return createRedisTicketStore({
    redis,
    keyPrefix: `${config.redis.keyPrefix}stream:`,
    fallback: memory,
    deadlineMs: config.redis.commandTimeoutMs,
  });
}

function createResumable(config: GatewayConfig, redis: RedisConnection | undefined): ResumableStreams {
  const ttlMs = config.resume.ttlSeconds * 1000;
  const journal = redis
    ? createRedisJournal({ redis, keyPrefix: `${config.redis.keyPrefix}resume:`, ttlMs })
    : undefined;
  return createResumableStreams({
    ttlMs,
    graceMs: config.resume.graceMs,
    maxFinishedSize: config.resume.maxFinishedBytes,
    redis: journal,
  });
}

export function createServices({ config, logger, upstreamBaseUrl }: CreateServicesOptions): GatewayServices {
  const { topology } = config.redis;
  const redis = topology
    ? createRedisConnection(topology, {
        commandTimeoutMs: config.redis.commandTimeoutMs,
        // Which instance a connection is, in the CLIENT LIST of any node (the failover tests read it).
        connectionName: `llm-gateway:${hostname()}:${process.pid}`,
        onError: () => {
          // Outages are reported once by the components that use Redis; per-retry noise is dropped here.
        },
      })
    : undefined;
  const redisSource = redis && topology ? { connection: redis, topology: topology.kind } : undefined;
  const requestLines = createRequestLines();
  const logs = createEngineLogs(logger, requestLines);
  const metrics = createPrometheusMetrics();
  const observers = { logs, metrics };
  const upstreams = createUpstreams({ config, logs, metrics, demoBaseUrl: upstreamBaseUrl });
  const breaker = upstreams.primary?.breaker;
  const shared = { config, redis };
  const rateLimiter = config.rateLimit.enabled
    ? createLimiter(
        { scope: 'gateway', requestsPerMinute: config.rateLimit.requestsPerMinute },
        shared,
        observers,
      )
    : undefined;
  const perKey = config.auth.perKeyRequestsPerMinute;
  const clientRateLimiter =
    perKey === undefined
      ? undefined
      : createLimiter({ scope: 'key', requestsPerMinute: perKey }, shared, observers);
  const cache = createCache(config, redis, logs);
  const usageMetrics = createUsageMetrics(metrics.registry, { models: configuredModels(config) });
  const quotas = createQuotas({
    config,
    redis,
    createLimiter: ({ kind, perMinute }) =>
      createLimiter(
        { scope: 'key', requestsPerMinute: perMinute, tokens: kind === 'tokens' },
        shared,
        observers,
      ),
    onUsage: (event) => {
      usageMetrics(event);
      logs.usage(event);
    },
  });
  metrics.watch({
    redis: redisSource,
    breaker,
    upstreams: upstreams.all,
    cache,
    rateLimiter,
    concurrency: upstreams.concurrency,
  });
  const retry =
    config.retry.maxAttempts > 1
      ? createRetryPolicy({
          maxAttempts: config.retry.maxAttempts,
          baseDelayMs: config.retry.baseDelayMs,
          maxDelayMs: config.retry.maxDelayMs,
          maxRetryAfterMs: config.retry.retryAfterCapMs,
          deadlineMs: config.retry.deadlineMs,
          onRetry: (event) => {
            metrics.retry();
            logs.retry(event);
          },
        })
      : undefined;
  const chat = createChatService({
    routes: upstreams.routes,
    streamingEnabled: config.streaming.enabled,
    rateLimiter,
    clientRateLimiter,
    keyRateLimiter: quotas.keyRateLimiter,
    tokenLimits: quotas.tokenLimits,
    usage: quotas.usage,
    retry,
    cache,
    maxMessages: config.limits.maxMessages,
    onEvent: (event) => {
      metrics.chatEvent(event);
      logs.chat(event);
    },
  });

  const resumable = createResumable(config, redis);

  return {
    chat,
    requestLines,
    usage: quotas.usage,
    tickets: createTickets(config, redis),
    resumable,
    snapshot: metricsSnapshot({
      config,
      redis: redisSource,
      breaker,
      upstreams: upstreams.all,
      rateLimiter,
      cache,
      concurrency: upstreams.concurrency,
    }),
    metrics,
    readiness: createReadiness({
      redis: redisSource,
      rateLimiter,
      redisDown: config.rateLimit.redisDown,
      breakers: upstreams.routes
        .defaultUpstreams()
        .flatMap((upstream) => (upstream.breaker ? [upstream.breaker] : [])),
      timeoutMs: config.redis.commandTimeoutMs,
    }),
    close: async () => {
      resumable.close();
      await quotas.close();
      await upstreams.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
