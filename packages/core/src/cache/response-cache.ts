// The response cache the chat service uses: keys, TTL, a store (memory or Redis) and hit/miss counters.
import { type AnswerText, decodeAnswer, encodeAnswer } from '../completion/answer-text.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import { cacheKey } from './cache-key.js';
import type { CacheStore } from './cache-store.js';

export interface ResponseCacheSnapshot {
  backend: 'memory' | 'redis';
  hits: number;
  misses: number;
  hit_ratio: number;
  errors: number;
  coalesced: number;
  degraded: boolean;
  entries?: number;
}

export interface ResponseCache {
  key(body: UpstreamBody): string;
  /**
   * A stored answer or undefined; never throws (a store failure, or a value that is not an answer, is a
   * miss). Counts hits and misses.
   */
  lookup(key: string): Promise<AnswerText | undefined>;
  /** Stores a complete answer; never throws. */
  store(key: string, answer: AnswerText): Promise<void>;
  /** Counts a request that joined an identical in-flight call instead of making its own. */
  countCoalesced(): void;
  snapshot(): ResponseCacheSnapshot;
}

export function createResponseCache(options: {
  store: CacheStore;
  ttlSeconds: number;
  keyPrefix: string;
}): ResponseCache {
  const { store, ttlSeconds, keyPrefix } = options;
  let hits = 0;
  let misses = 0;
  let coalesced = 0;
  /** Stored values that were not answers (corrupt, or written by something else): misses, counted. */
  let unreadable = 0;
  return {
    key: (body) => cacheKey(body, keyPrefix),
    async lookup(key) {
      const stored = await store.get(key);
      const answer = stored === undefined ? undefined : decodeAnswer(stored);
      if (stored !== undefined && answer === undefined) unreadable += 1;
      if (answer === undefined) misses += 1;
      else hits += 1;
      return answer;
    },
    store: (key, answer) => store.set(key, encodeAnswer(answer), ttlSeconds),
    countCoalesced: () => {
      coalesced += 1;
    },
    snapshot() {
      const s = store.snapshot();
      const total = hits + misses;
      return {
        backend: s.backend,
        hits,
        misses,
        hit_ratio: total === 0 ? 0 : Math.round((hits / total) * 10_000) / 10_000,
        errors: s.errors + unreadable,
        coalesced,
        degraded: s.degraded,
        ...(s.entries === undefined ? {} : { entries: s.entries }),
      };
    },
  };
}
