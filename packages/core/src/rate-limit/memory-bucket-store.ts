// The in-memory bucket store: per-process buckets in a bounded, least-recently-used map.
import { type Clock, systemClock } from '../resilience/clock.js';
import type { BucketStore } from './bucket-store.js';
import { type BucketState, fullBucket, hasTokens, refill, settleTokens, takeTokens } from './token-bucket.js';

/** Default bound on tracked keys: enough for per-key limits without letting key churn grow memory forever. */
export const DEFAULT_MAX_KEYS = 10_000;

export interface MemoryBucketStoreOptions {
  clock?: Clock;
  /** Most keys kept; the least recently used is dropped beyond it (it comes back full). Default 10 000. */
  maxKeys?: number;
}

/**
 * Buckets in this process only. A Map keeps insertion order, so delete-and-set on each use
 * makes its first key the least recently used one.
 */
export function createMemoryBucketStore(options: MemoryBucketStoreOptions = {}): BucketStore {
  const clock = options.clock ?? systemClock;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
  }
  const buckets = new Map<string, BucketState>();

  const remember = (key: string, state: BucketState): void => {
    buckets.delete(key);
    buckets.set(key, state);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next();
      if (oldest.done !== true) buckets.delete(oldest.value);
    }
  };

  return {
    backend: 'memory',
    take(key, { capacity, refillPerMs, cost, settle }) {
      const nowMs = clock.now();
      const stored = buckets.get(key);
      const current = refill(stored ?? fullBucket(capacity, nowMs), nowMs, { capacity, refillPerMs });
      if (settle === true) {
        const state = settleTokens(current, cost, capacity);
        remember(key, state);
        return Promise.resolve({ allowed: true, tokens: state.tokens, nowMs });
      }
      if (cost === 0) {
        return Promise.resolve({ allowed: hasTokens(current.tokens, 1), tokens: current.tokens, nowMs });
      }
      const outcome = takeTokens(current, cost);
      // A refused key is remembered too: it is a busy key, and dropping it would hand it a full bucket.
      remember(key, outcome.state);
      return Promise.resolve({ allowed: outcome.allowed, tokens: outcome.state.tokens, nowMs });
    },
  };
}
