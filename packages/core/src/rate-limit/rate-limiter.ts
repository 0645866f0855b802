// The gateway's request rate limit: a token bucket per key, in memory or shared through Redis.
import type { RedisConnection } from '../redis/redis-connection.js';
import { type Clock, systemClock } from '../resilience/clock.js';
import type { BucketParams, BucketStore } from './bucket-store.js';
import { createFallbackBucketStore, type FallbackBucketStore } from './fallback-bucket-store.js';
import { createMemoryBucketStore } from './memory-bucket-store.js';
import { type RateLimitDecision, toDecision } from './rate-limit-decision.js';
import { createRedisBucketStore } from './redis-bucket-store.js';
import { type BucketBackend, createRedisDownAnswer, type RedisDownPolicy } from './redis-down-policy.js';
import { refillPerMsFor } from './token-bucket.js';

export {
  formatSeconds,
  type RateLimitDecision,
  rateLimitedError,
  rateLimitHeaders,
} from './rate-limit-decision.js';

/** Bound on one Redis call when the caller gives none: the default Redis command timeout. */
const DEFAULT_DEADLINE_MS = 250;

/** The key used when a caller passes none: one bucket for the whole gateway. */
export const GLOBAL_RATE_LIMIT_KEY = 'global';

/** What the stats endpoint shows. */
export interface RateLimiterSnapshot {
  /** Requests per minute (the bucket's capacity). */
  rate: number;
  /** Tokens in the global bucket now, rounded to 2 decimals; null while no bucket decides (`open`, `closed`). */
  tokens_available: number | null;
  /**
   * What decides now: `redis` (the shared bucket), `memory` (no Redis configured, or the `local`
   * policy during an outage), `open` or `closed` (those policies during an outage).
   */
  backend: BucketBackend;
  /** True while Redis is configured but unreachable and the RATE_LIMIT_REDIS_DOWN policy decides. */
  degraded: boolean;
  /** The RATE_LIMIT_REDIS_DOWN policy; absent without Redis. */
  redis_down_policy?: RedisDownPolicy;
}

/** What the limiter reports; it never logs, the gateway subscribes. */
export type RateLimiterEvent =
  | { type: 'limited'; key: string; retryAfterMs: number; requestId: string | undefined }
  | { type: 'backend-changed'; backend: BucketBackend; reason?: string };

export interface RateLimiter {
  /** Spends one token of `key`'s bucket (default `global`) if there is one. */
  take(key?: string, requestId?: string): Promise<RateLimitDecision>;
  /** The same decision without spending a token (for answers that cost no upstream call, e.g. cache hits). */
  peek(key?: string): Promise<RateLimitDecision>;
  /**
   * Spends `cost` tokens of `key`'s bucket if it holds them all (a token limit's reservation of an
   * estimate); a refusal spends nothing.
   */
  reserve(key: string, cost: number, requestId?: string): Promise<RateLimitDecision>;
  /** After the call: `delta` more tokens (or fewer when negative, a refund), whatever the balance. */
  settle(key: string, delta: number): Promise<void>;
  /** The global bucket's state. Bounded in time by the Redis call deadline; never rejects. */
  snapshot(): Promise<RateLimiterSnapshot>;
  /** What decides now (see RateLimiterSnapshot.backend), read without a Redis call. */
  readonly backend: BucketBackend;
}

/** Sharing buckets across instances through Redis, and what to do while it is unreachable. */
export interface RateLimiterRedisOptions {
  /** A client or Cluster from createRedisConnection (its commandTimeout bounds each try). */
  client: RedisConnection;
  /** Prepended to every bucket key; keys are `<keyPrefix>{<bucket>}` (see redis-keys.ts). */
  keyPrefix: string;
  /** While Redis is unreachable; default `local`. */
  whenDown?: RedisDownPolicy;
  /** Instances sharing the limit, for `local`'s share; default 1. */
  instances?: number;
  /** Bound on one Redis call, in ms; default 250 (the default command timeout). */
  deadlineMs?: number;
}

export interface RateLimiterOptions {
  /** Bucket capacity and refill per minute; a positive integer. */
  requestsPerMinute: number;
  /** Share buckets across instances through Redis. Absent: memory only. */
  redis?: RateLimiterRedisOptions;
  clock?: Clock;
  /** Receives limiter events; an exception it throws is swallowed so it cannot fail a request. */
  onEvent?: (event: RateLimiterEvent) => void;
}

/**
 * Creates the limiter. Each bucket holds `requestsPerMinute` tokens and refills continuously
 * (100/min: one token every 600 ms). With Redis configured, a failed or unready Redis never fails
 * or delays a request beyond the call deadline: the `whenDown` policy answers (the `closed` policy's
 * refusal being its documented answer), and one `backend-changed` event marks each switch.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { requestsPerMinute, onEvent } = options;
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1) {
    throw new RangeError(`requestsPerMinute must be a positive integer, got ${requestsPerMinute}`);
  }
  const capacity = requestsPerMinute;
  const refillPerMs = refillPerMsFor(requestsPerMinute);

  const emit = (event: RateLimiterEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A subscriber's bug must not turn into a failed request.
    }
  };

  const clock = options.clock ?? systemClock;
  const memory = createMemoryBucketStore({ clock });
  const shared = options.redis;
  const policy = shared?.whenDown ?? 'local';
  const store: BucketStore | FallbackBucketStore =
    shared === undefined
      ? memory
      : createFallbackBucketStore({
          client: shared.client,
          redis: createRedisBucketStore({ redis: shared.client, keyPrefix: shared.keyPrefix }),
          down: createRedisDownAnswer({
            policy,
            instances: shared.instances ?? 1,
            memory,
            now: () => clock.now(),
          }),
          deadlineMs: shared.deadlineMs ?? DEFAULT_DEADLINE_MS,
          onSwitch: (backend, reason) =>
            emit(
              reason === undefined
                ? { type: 'backend-changed', backend }
                : { type: 'backend-changed', backend, reason },
            ),
        });

  const decide = async (key: string, cost: BucketParams['cost']): Promise<RateLimitDecision> => {
    const result = await store.take(key, { capacity, refillPerMs, cost });
    return toDecision(result, { capacity, refillPerMs }, cost);
  };

  const spend = async (key: string, cost: number, requestId: string | undefined) => {
    const decision = await decide(key, cost);
    if (!decision.allowed) emit({ type: 'limited', key, retryAfterMs: decision.retryAfterMs, requestId });
    return decision;
  };

  return {
    take: (key = GLOBAL_RATE_LIMIT_KEY, requestId?: string) => spend(key, 1, requestId),
    peek: (key = GLOBAL_RATE_LIMIT_KEY) => decide(key, 0),
    reserve: (key, cost, requestId) => spend(key, Math.max(0, cost), requestId),
    async settle(key, delta) {
      if (delta === 0) return;
      await store.take(key, { capacity, refillPerMs, cost: delta, settle: true });
    },
    get backend() {
      return store.backend;
    },
    async snapshot() {
      let tokens: number | null = null;
      try {
        const result = await store.take(GLOBAL_RATE_LIMIT_KEY, { capacity, refillPerMs, cost: 0 });
        // `open` answers "full" without a bucket: no number to show.
        if (store.backend !== 'open') tokens = Math.round(result.tokens * 100) / 100;
      } catch {
        // `closed` during an outage refuses the peek too; the snapshot itself must not fail.
      }
      return {
        rate: requestsPerMinute,
        tokens_available: tokens,
        backend: store.backend,
        degraded: shared !== undefined && store.backend !== 'redis',
        ...(shared === undefined ? {} : { redis_down_policy: policy }),
      };
    },
  };
}
