// The gateway's request rate limit: a token bucket per key, in memory or shared through Redis.
import type { Redis } from 'ioredis';
import type { Clock } from '../resilience/clock.js';
import type { BucketParams, BucketStore } from './bucket-store.js';
import { createFallbackBucketStore, type FallbackBucketStore } from './fallback-bucket-store.js';
import { createMemoryBucketStore } from './memory-bucket-store.js';
import { type RateLimitDecision, toDecision } from './rate-limit-decision.js';
import { createRedisBucketStore } from './redis-bucket-store.js';
import { refillPerMsFor } from './token-bucket.js';

export {
  formatSeconds,
  type RateLimitDecision,
  rateLimitedError,
  rateLimitHeaders,
} from './rate-limit-decision.js';

/** The key used when a caller passes none: one bucket for the whole gateway. */
export const GLOBAL_RATE_LIMIT_KEY = 'global';

/** What the stats endpoint shows. */
export interface RateLimiterSnapshot {
  /** Requests per minute (the bucket's capacity). */
  rate: number;
  /** Tokens in the global bucket now, rounded to 2 decimals. */
  tokens_available: number;
  /** The backend in use. */
  backend: 'memory' | 'redis';
  /** True while Redis is configured but unreachable and memory is used. */
  degraded: boolean;
}

/** What the limiter reports; it never logs, the gateway subscribes. */
export type RateLimiterEvent =
  | { type: 'limited'; key: string; retryAfterMs: number; requestId: string | undefined }
  | { type: 'backend-changed'; backend: 'memory' | 'redis'; reason?: string };

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
  /** The global bucket's state. Bounded in time by the Redis client's commandTimeout. */
  snapshot(): Promise<RateLimiterSnapshot>;
}

export interface RateLimiterOptions {
  /** Bucket capacity and refill per minute; a positive integer. */
  requestsPerMinute: number;
  /**
   * Share buckets across instances through this client (see createRedisClient: its commandTimeout is what
   * bounds a call to a frozen Redis). Absent: memory only.
   */
  redis?: { client: Redis; keyPrefix: string };
  clock?: Clock;
  /** Receives limiter events; an exception it throws is swallowed so it cannot fail a request. */
  onEvent?: (event: RateLimiterEvent) => void;
}

/**
 * Creates the limiter. Each bucket holds `requestsPerMinute` tokens and refills continuously
 * (100/min: one token every 600 ms). With Redis configured, a failed or unready Redis never fails
 * a request: that call uses memory, and one `backend-changed` event marks each switch.
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

  const memory = createMemoryBucketStore(options.clock === undefined ? {} : { clock: options.clock });
  const store: BucketStore | FallbackBucketStore =
    options.redis === undefined
      ? memory
      : createFallbackBucketStore({
          client: options.redis.client,
          redis: createRedisBucketStore({ redis: options.redis.client, keyPrefix: options.redis.keyPrefix }),
          memory,
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
    async snapshot() {
      const result = await store.take(GLOBAL_RATE_LIMIT_KEY, { capacity, refillPerMs, cost: 0 });
      return {
        rate: requestsPerMinute,
        tokens_available: Math.round(result.tokens * 100) / 100,
        backend: store.backend,
        degraded: options.redis !== undefined && store.backend === 'memory',
      };
    },
  };
}
