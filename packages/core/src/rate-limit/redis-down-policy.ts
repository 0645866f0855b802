// What the limiter answers while Redis is unreachable: this instance's share locally, no limit, or 503.
import { GatewayError } from '@llm-gateway/contracts';
import type { BucketParams, BucketResult, BucketStore } from './bucket-store.js';

/**
 * `local`: an in-process bucket holding this instance's share of the limit (over-admits up to
 * instances × share when partitioned from each other, never more); `open`: no limit; `closed`: every
 * request refused with `rate_limiter_unavailable` (503).
 */
export type RedisDownPolicy = 'local' | 'open' | 'closed';

/** Who decides now: the shared bucket, or the policy's stand-in during an outage. */
export type BucketBackend = 'redis' | 'memory' | 'open' | 'closed';

export interface RedisDownOptions {
  policy: RedisDownPolicy;
  /** Instances sharing the limit (RATE_LIMIT_INSTANCES); `local` gives each 1/instances of it, at least 1. */
  instances: number;
  /** The in-process buckets `local` uses. */
  memory: BucketStore;
  now: () => number;
}

/** The stand-in for the shared bucket: its backend name and its answer to one call. */
export interface RedisDownAnswer {
  readonly backend: Exclude<BucketBackend, 'redis'>;
  take(key: string, params: BucketParams): Promise<BucketResult>;
}

/** This instance's share of a bucket: capacity / instances (at least 1), refilling in proportion. */
export function localShare(params: BucketParams, instances: number): BucketParams {
  const capacity = Math.max(1, Math.floor(params.capacity / Math.max(1, instances)));
  return { ...params, capacity, refillPerMs: (params.refillPerMs * capacity) / params.capacity };
}

export function createRedisDownAnswer(options: RedisDownOptions): RedisDownAnswer {
  const { policy, instances, memory, now } = options;
  switch (policy) {
    case 'local':
      return { backend: 'memory', take: (key, params) => memory.take(key, localShare(params, instances)) };
    case 'open':
      // As if the bucket were full: the headers then say nothing is being limited.
      return {
        backend: 'open',
        take: async (_key, params) => ({ allowed: true, tokens: params.capacity, nowMs: now() }),
      };
    case 'closed':
      return {
        backend: 'closed',
        take: async () => {
          throw new GatewayError(
            'rate_limiter_unavailable',
            'The rate limiter is unavailable (its Redis is unreachable); try again shortly.',
            { retryAfterMs: 1000 },
          );
        },
      };
    default:
      return unknownPolicy(policy);
  }
}

function unknownPolicy(policy: never): never {
  throw new Error(`Unknown RATE_LIMIT_REDIS_DOWN policy: ${String(policy)}`);
}
