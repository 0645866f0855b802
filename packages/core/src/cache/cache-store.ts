// The cache-store contract: stored answers (text) by key with a TTL, in memory or in Redis; never throws, never hangs.

/** What a store reports for /metrics and /health. */
export interface CacheStoreSnapshot {
  backend: 'memory' | 'redis';
  /** Failed operations since start (backend errors, timeouts, skipped calls, unreadable values). */
  errors: number;
  /** true while the backend is failing (Redis down or frozen); the cache is then a pass-through. */
  degraded: boolean;
  /** Entries held (memory only: Redis would need a round trip). */
  entries?: number;
  /** Bytes of stored text held (memory only). */
  bytes?: number;
}

/** Emitted once per transition, so a log line per outage rather than per request. */
export type CacheStoreEvent = { type: 'unavailable'; error: string } | { type: 'recovered' };

/**
 * Where cached answers live, as the text the response cache encodes (see answer-text.ts): a store moves
 * strings and never parses them. A cache is an optimisation: every failure is a miss (or a skipped
 * write), counted in the snapshot, never an error for the request.
 */
export interface CacheStore {
  readonly backend: 'memory' | 'redis';
  /** A stored value, or undefined. Never throws: any backend error is a miss (counted). Time-bounded. */
  get(key: string): Promise<string | undefined>;
  /** Stores a value for ttlSeconds. Never throws; time-bounded. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  snapshot(): CacheStoreSnapshot;
}
