// A single-server Redis client with the gateway's fail-fast profile (see redis/redis-connection.ts).
import type { Redis } from 'ioredis';
import {
  createRedisConnection,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  type RedisConnectionOptions,
} from '../redis/redis-connection.js';

export { DEFAULT_REDIS_COMMAND_TIMEOUT_MS };

export type CreateRedisClientOptions = RedisConnectionOptions;

/**
 * Connects to `url` (e.g. `redis://localhost:6379/0`): createRedisConnection for a single server, typed
 * as the plain client. A command gives up after commandTimeoutMs, is retried at most once across a
 * reconnect, and reconnection backs off to every 2 s.
 */
export function createRedisClient(url: string, options: CreateRedisClientOptions = {}): Redis {
  // A single-server topology always builds a plain client, never a Cluster.
  return createRedisConnection({ kind: 'single', url }, options) as Redis;
}
