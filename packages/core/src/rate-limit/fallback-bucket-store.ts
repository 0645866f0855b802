// Redis when it answers, process memory when it does not: the limiter's backend switch.
import type { Redis } from 'ioredis';
import type { BucketParams, BucketResult, BucketStore } from './bucket-store.js';
import { isRedisUsable } from './redis-usable.js';

export type BucketBackend = 'memory' | 'redis';

export interface FallbackBucketStoreOptions {
  /** The client behind `redis`, read for its connection status only. */
  client: Redis;
  redis: BucketStore;
  memory: BucketStore;
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
 * Never fails and never waits on a Redis that is not connected: the client's status is checked first,
 * so a down Redis costs nothing (after the first connection attempt), and a frozen one costs at most
 * the client's commandTimeout.
 * While on memory, one request at a time probes Redis (the others go straight to memory), so a frozen
 * Redis delays one request per commandTimeout, not all of them. A call's outcome only switches the
 * backend if no switch happened since it started: a slow reply from before an outage cannot undo it.
 * During an outage each instance limits alone, with its own in-memory buckets.
 */
export function createFallbackBucketStore(options: FallbackBucketStoreOptions): FallbackBucketStore {
  const { client, redis, memory, onSwitch } = options;
  let backend: BucketBackend = 'redis';
  let switches = 0;
  let probing = false;
  // Until Redis has answered (or failed) once, a client still making its first connection gets the call:
  // otherwise every gateway start would report a spurious outage. The offline queue holds the command
  // and commandTimeout still bounds it.
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
        switchTo('memory', `Redis connection is ${client.status}`);
        return memory.take(key, params);
      }
      const isProbe = backend === 'memory';
      if (isProbe) {
        if (probing) return memory.take(key, params);
        probing = true;
      }
      const switchesAtStart = switches;
      try {
        const result = await redis.take(key, params);
        if (switches === switchesAtStart) switchTo('redis');
        return result;
      } catch (error) {
        if (switches === switchesAtStart) {
          switchTo('memory', `Redis call failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        return memory.take(key, params);
      } finally {
        if (isProbe) probing = false;
      }
    },
  };
}
