// Redis when it answers, the RATE_LIMIT_REDIS_DOWN policy when it does not: the limiter's backend switch.
import { withDeadline } from '../redis/with-deadline.js';
import type { BucketParams, BucketResult, BucketStore } from './bucket-store.js';
import type { BucketBackend, RedisDownAnswer } from './redis-down-policy.js';
import { isRedisUsable } from './redis-usable.js';

export type { BucketBackend } from './redis-down-policy.js';

export interface FallbackBucketStoreOptions {
  /** The client behind `redis` (a server or a Cluster), read for its connection status only. */
  client: { readonly status: string };
  redis: BucketStore;
  /** What answers while Redis does not (see redis-down-policy.ts). */
  down: RedisDownAnswer;
  /**
   * Bound on one Redis call, in ms (the Redis command timeout). A Cluster retries a command across a
   * failover, each try bounded by commandTimeout but not their sum: this bounds the whole call.
   */
  deadlineMs: number;
  /** Called once per switch (never once per request). */
  onSwitch: (backend: BucketBackend, reason?: string) => void;
}

/** A store that prefers Redis and reports which backend answered last. */
export interface FallbackBucketStore {
  /** The backend in use now. */
  readonly backend: BucketBackend;
  take(key: string, params: BucketParams): Promise<BucketResult>;
}

/**
 * Never waits on a Redis that is not connected: the client's status is checked first, so a down
 * Redis costs nothing (after the first connection attempt), and a frozen one or a Cluster slot whose
 * primary just died costs at most deadlineMs.
 * While on the fallback, one request at a time probes Redis (the others go straight to the fallback),
 * so a frozen Redis delays one request per deadline, not all of them, and the shared bucket is back
 * with the first request after Redis answers again. A call's outcome only switches the backend if no
 * switch happened since it started: a slow reply from before an outage cannot undo it.
 */
export function createFallbackBucketStore(options: FallbackBucketStoreOptions): FallbackBucketStore {
  const { client, redis, down, deadlineMs, onSwitch } = options;
  let backend: BucketBackend = 'redis';
  let switches = 0;
  let probing = false;
  // Until Redis has answered (or failed) once, a client still making its first connection gets the call:
  // otherwise every gateway start would report a spurious outage. The offline queue holds the command
  // and the deadline still bounds it.
  let settled = false;

  const switchTo = (next: BucketBackend, reason?: string): void => {
    settled = true;
    if (backend === next) return;
    backend = next;
    switches += 1;
    onSwitch(next, reason);
  };

  return {
    get backend() {
      return backend;
    },
    async take(key, params) {
      if (!isRedisUsable(client, !settled)) {
        switchTo(down.backend, `Redis connection is ${client.status}`);
        return down.take(key, params);
      }
      const isProbe = backend !== 'redis';
      if (isProbe) {
        if (probing) return down.take(key, params);
        probing = true;
      }
      const switchesAtStart = switches;
      let result: BucketResult;
      try {
        result = await withDeadline(redis.take(key, params), deadlineMs, 'Redis rate-limit call');
      } catch (error) {
        if (switches === switchesAtStart) {
          switchTo(
            down.backend,
            `Redis call failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        return down.take(key, params);
      } finally {
        if (isProbe) probing = false;
      }
      if (switches === switchesAtStart) switchTo('redis');
      return result;
    },
  };
}
