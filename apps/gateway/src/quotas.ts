// Wires issue 15's policies from the config: the usage meter and its store, each key's request and token buckets.
import {
  createBatchedUsageStore,
  createMemoryUsageStore,
  createRedisUsageStore,
  createUsageMeter,
  type KeyPolicy,
  type RateLimiter,
  type RedisConnection,
  type TokenLimits,
  type UsageEvent,
  type UsageMeter,
} from '@llm-gateway/core';
import type { GatewayConfig } from './config.js';

/** How long usage counts gather before one write to Redis: the lag of cross-instance reports and budgets. */
const USAGE_FLUSH_MS = 50;

/** Makes one limiter: `perMinute` units a minute, its buckets under `<prefix>ratelimit:<kind>`. */
export type LimiterFactory = (spec: { kind: 'key' | 'tokens'; perMinute: number }) => RateLimiter;

export interface Quotas {
  /** Absent with USAGE_ENABLED=false. */
  usage: UsageMeter | undefined;
  /** A key's own request bucket (its `requests_per_minute`). */
  keyRateLimiter: ((caller: KeyPolicy) => RateLimiter | undefined) | undefined;
  /** Absent when no key has `tokens_per_minute` and RATE_LIMIT_TOKENS_PER_MINUTE is 0. */
  tokenLimits: TokenLimits | undefined;
  /** Sends the usage still gathered (at shutdown). */
  close(): Promise<void>;
}

export interface QuotaOptions {
  config: GatewayConfig;
  redis: RedisConnection | undefined;
  createLimiter: LimiterFactory;
  onUsage: (event: UsageEvent) => void;
}

/** One limiter per distinct rate among the keys: keys with the same rate share it (their buckets stay apart). */
function limitersByRate(
  policies: readonly KeyPolicy[],
  rateOf: (policy: KeyPolicy) => number | undefined,
  make: (perMinute: number) => RateLimiter,
): Map<string, RateLimiter> {
  const byRate = new Map<number, RateLimiter>();
  const byName = new Map<string, RateLimiter>();
  for (const policy of policies) {
    const rate = rateOf(policy);
    if (rate === undefined) continue;
    let limiter = byRate.get(rate);
    if (limiter === undefined) {
      limiter = make(rate);
      byRate.set(rate, limiter);
    }
    byName.set(policy.name, limiter);
  }
  return byName;
}

export function createQuotas({ config, redis, createLimiter, onUsage }: QuotaOptions): Quotas {
  const policies = config.access.keys.map((key) => key.policy);
  // Redis writes are gathered for USAGE_FLUSH_MS: one pipeline per key and model, not one per request.
  const budgeted = new Set(
    policies.filter((policy) => policy.budgetUsd !== undefined).map((policy) => policy.name),
  );
  const batched = redis
    ? createBatchedUsageStore(
        createRedisUsageStore({
          redis,
          keyPrefix: config.redis.keyPrefix,
          deadlineMs: config.redis.commandTimeoutMs,
        }),
        {
          flushMs: USAGE_FLUSH_MS,
          onError: (key, error) => onUsage({ type: 'write-failed', key, error }),
          // Budgets are checked against Redis per request on every instance: their counts go at once.
          immediate: (key) => budgeted.has(key),
        },
      )
    : undefined;
  const usage = config.usage.enabled
    ? createUsageMeter({
        store: batched ?? createMemoryUsageStore(),
        prices: config.access.prices,
        onEvent: onUsage,
      })
    : undefined;
  const requests = limitersByRate(
    policies,
    (policy) => policy.requestsPerMinute,
    (perMinute) => createLimiter({ kind: 'key', perMinute }),
  );
  const tokens = limitersByRate(
    policies,
    (policy) => policy.tokensPerMinute,
    (perMinute) => createLimiter({ kind: 'tokens', perMinute }),
  );
  const globalTokens = config.rateLimit.tokensPerMinute;
  const tokenLimits: TokenLimits | undefined =
    tokens.size > 0 || globalTokens > 0
      ? {
          forCaller: (caller) => tokens.get(caller.name),
          global: globalTokens > 0 ? createLimiter({ kind: 'tokens', perMinute: globalTokens }) : undefined,
          defaultMaxTokens: config.rateLimit.defaultMaxTokens,
        }
      : undefined;
  return {
    usage,
    close: async () => batched?.flush(),
    keyRateLimiter: requests.size > 0 ? (caller) => requests.get(caller.name) : undefined,
    tokenLimits,
  };
}

/** Every model the config names (aliases, targets' models, priced models): the bounded set metric labels use. */
export function configuredModels(config: GatewayConfig): ReadonlySet<string> {
  const { routes } = config.routing;
  return new Set([
    ...Object.keys(routes),
    ...Object.values(routes).flatMap((route) => route.targets.map((target) => target.model)),
    ...Object.keys(config.access.prices),
  ]);
}
