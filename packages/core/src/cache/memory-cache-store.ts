// The in-process cache store: an LRU bounded by entry count and by bytes of stored JSON, with per-entry TTL.
import type { ChatCompletion } from '@llm-gateway/contracts';
import { LRUCache } from 'lru-cache';
import type { CacheStore } from './cache-store.js';
import { ttlToMs } from './cache-ttl.js';

export interface MemoryCacheStoreOptions {
  /** Most entries held; the least recently used goes first. */
  maxEntries: number;
  /** Most bytes of stored JSON (UTF-8) held; an entry larger than this is not stored at all. */
  maxBytes: number;
  /** Time source for expiry, in ms (any origin, must not go backwards); default `performance`. For tests. */
  clock?: { now(): number };
}

/**
 * Completions held in this process, as JSON text: the byte bound is then exact, and every get returns
 * a fresh object that callers may mutate (e.g. set `usage.from_cache`) without touching the entry.
 * Expiry is lazy: an expired entry is dropped when read or when eviction reaches it.
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
  let errors = 0;

  return {
    backend: 'memory',
    async get(key) {
      try {
        const text = entries.get(key);
        return text === undefined ? undefined : (JSON.parse(text) as ChatCompletion);
      } catch {
        errors += 1;
        return undefined;
      }
    },
    async set(key, value, ttlSeconds) {
      const ttl = ttlToMs(ttlSeconds);
      if (ttl === undefined) return;
      try {
        // Throws on values JSON cannot hold (BigInt, cycles): counted, not stored.
        entries.set(key, JSON.stringify(value), { ttl });
      } catch {
        errors += 1;
      }
    },
    snapshot() {
      return {
        backend: 'memory',
        errors,
        degraded: false,
        entries: entries.size,
        bytes: entries.calculatedSize,
      };
    },
  };
}
