// The in-process cache store: an LRU bounded by entry count and by bytes of stored text, with per-entry TTL.
import { LRUCache } from 'lru-cache';
import type { CacheStore } from './cache-store.js';
import { ttlToMs } from './cache-ttl.js';

export interface MemoryCacheStoreOptions {
  /** Most entries held; the least recently used goes first. */
  maxEntries: number;
  /** Most bytes of stored text (UTF-8) held; an entry larger than this is not stored at all. */
  maxBytes: number;
  /** Time source for expiry, in ms (any origin, must not go backwards); default `performance`. For tests. */
  clock?: { now(): number };
}

/**
 * Answers held in this process, as text: the byte bound is then exact, and a hit is served from the
 * same string without a parse. Expiry is lazy: an expired entry is dropped when read or when eviction
 * reaches it.
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions): CacheStore {
  const { maxEntries, maxBytes, clock = performance } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }

  // lru-cache reads an entry start time of 0 as "no TTL": a clock that reads 0 (a test clock, fake
  // timers' performance.now) would make entries immortal. Counting from 1 at creation rules that out.
  const origin = clock.now();
  const entries = new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxBytes,
    // lru-cache requires a positive integer size; JSON text is never empty, the floor is belt and braces.
    sizeCalculation: (text) => Math.max(1, Buffer.byteLength(text, 'utf8')),
    // 0 reads the clock on every check: the default (1) caches "now" behind a timer, which makes an
    // injected clock or fake timers see stale time.
    ttlResolution: 0,
    perf: { now: () => clock.now() - origin + 1 },
  });

  return {
    backend: 'memory',
    async get(key) {
      return entries.get(key);
    },
    async set(key, value, ttlSeconds) {
      const ttl = ttlToMs(ttlSeconds);
      if (ttl === undefined) return;
      entries.set(key, value, { ttl });
    },
    snapshot() {
      return {
        backend: 'memory',
        // Moving strings in memory cannot fail; the response cache counts values that are not answers.
        errors: 0,
        degraded: false,
        entries: entries.size,
        bytes: entries.calculatedSize,
      };
    },
  };
}
