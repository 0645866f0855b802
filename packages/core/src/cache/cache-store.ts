// The cache-store contract: completions by key with a TTL, in memory or in Redis; never throws, never hangs.
import type { ChatCompletion } from '@llm-gateway/contracts';

/** What a store reports for /metrics and /health. */
export interface CacheStoreSnapshot {
  backend: 'memory' | 'redis';
  /** Failed operations since start (backend errors, timeouts, skipped calls, unreadable values). */
  errors: number;
  /** true while the backend is failing (Redis down or frozen); the cache is then a pass-through. */
  degraded: boolean;
  /** Entries held (memory only: Redis would need a round trip). */
  entries?: number;
  /** Bytes of stored JSON held (memory only). */
  bytes?: number;
}

/** Emitted once per transition, so a log line per outage rather than per request. */
export type CacheStoreEvent = { type: 'unavailable'; error: string } | { type: 'recovered' };

/**
 * Where cached completions live. A cache is an optimisation: every failure is a miss (or a skipped
 * write), counted in the snapshot, never an error for the request.
 */
export interface CacheStore {
  readonly backend: 'memory' | 'redis';
  /** A stored completion, or undefined. Never throws: any backend error is a miss (counted). Time-bounded. */
  get(key: string): Promise<ChatCompletion | undefined>;
  /** Stores a completion for ttlSeconds. Never throws; time-bounded. */
  set(key: string, value: ChatCompletion, ttlSeconds: number): Promise<void>;
  snapshot(): CacheStoreSnapshot;
}
