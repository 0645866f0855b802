// The Redis cache store: GET / SET PX shared by every gateway instance; a down or frozen Redis is a miss.
import { isRedisUsable } from '../rate-limit/redis-usable.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { withDeadline } from '../redis/with-deadline.js';
import type { CacheStore, CacheStoreEvent } from './cache-store.js';
import { ttlToMs } from './cache-ttl.js';

/** Default store-side bound on one call, in ms: a safety net above the client's own commandTimeout. */
export const DEFAULT_REDIS_CACHE_TIMEOUT_MS = 1000;

export interface RedisCacheStoreOptions {
  /** A connected client or Cluster; createRedisConnection's profile bounds each try with commandTimeout. */
  redis: RedisConnection;
  /** Receives 'unavailable' once when Redis starts failing and 'recovered' once when it answers again. */
  onEvent?: (event: CacheStoreEvent) => void;
  /**
   * Bound on one get or set, in ms, enforced by the store; default 1000. It also bounds a Cluster's
   * retries across a failover (each try has commandTimeout, their sum has not), and keeps the "never
   * hangs" promise for a client created without a commandTimeout.
   */
  timeoutMs?: number;
}

/**
 * Answers in Redis as the response cache's strings with a millisecond TTL. Keys are used verbatim: cacheKey()
 * already carries the prefix and format version. Only single-key commands (GET, SET PX): on a Cluster
 * the keys need no hash tag and spread over every primary (see redis-keys.ts).
 *
 * While the client is not `ready` (down, reconnecting), calls skip Redis at once, so an outage costs
 * no latency; ioredis reconnects in the background and the first call after `ready` is tried again.
 * Command errors and timeouts are misses. All of these count as errors and mark the store degraded.
 */
export function createRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const { redis, onEvent, timeoutMs = DEFAULT_REDIS_CACHE_TIMEOUT_MS } = options;
  let errors = 0;
  let degraded = false;

  const emit = (event: CacheStoreEvent) => {
    try {
      onEvent?.(event);
    } catch {
      // A listener's bug must not turn a cache call into a failed request.
    }
  };
  const failed = (error: unknown) => {
    errors += 1;
    if (degraded) return;
    degraded = true;
    emit({ type: 'unavailable', error: errorMessage(error) });
  };
  const succeeded = () => {
    if (!degraded) return;
    degraded = false;
    emit({ type: 'recovered' });
  };

  /** Runs one command, or returns undefined (after counting) if Redis is unusable or the call fails. */
  let everReady = false;
  const run = async <T>(command: () => Promise<T>): Promise<{ reply: T } | undefined> => {
    if (redis.status === 'ready') everReady = true;
    if (!isRedisUsable(redis, !everReady)) {
      failed(new Error(`Redis connection is ${redis.status}`));
      return undefined;
    }
    try {
      const reply = await withDeadline(command(), timeoutMs, 'Redis cache call');
      everReady = true;
      succeeded();
      return { reply };
    } catch (error) {
      failed(error);
      return undefined;
    }
  };

  return {
    backend: 'redis',
    async get(key) {
      const result = await run(() => redis.get(key));
      if (result === undefined || result.reply === null) return undefined;
      return result.reply;
    },
    async set(key, value, ttlSeconds) {
      const ttl = ttlToMs(ttlSeconds);
      if (ttl === undefined) return;
      await run(() => redis.set(key, value, 'PX', ttl));
    },
    snapshot() {
      return { backend: 'redis', errors, degraded };
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
