// The gateway's Redis client: a connection profile that never hangs a request (shared by limiter and cache).
import { Redis } from 'ioredis';

/** Default bound on one command, in ms: the only thing that bounds a call to a frozen Redis. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;

export interface CreateRedisClientOptions {
  /** Bound on one command; default 250 ms. */
  commandTimeoutMs?: number;
  /** Receives connection errors; without it they are swallowed (callers fall back on failed commands). */
  onError?: (error: Error) => void;
}

/**
 * Connects to `url` (e.g. `redis://localhost:6379/0`) with a fail-fast profile. ioredis' defaults wait
 * ~73 s with Redis down and forever with Redis frozen; here a command gives up after commandTimeoutMs,
 * is retried at most once across a reconnect, and reconnection backs off to every 2 s. The offline queue
 * stays on because without it commands sent before `ready` fail even with Redis up.
 * An 'error' listener is always attached: an EventEmitter without one crashes the process.
 */
export function createRedisClient(url: string, options: CreateRedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    enableOfflineQueue: true,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  const { onError } = options;
  client.on('error', (error: Error) => onError?.(error));
  return client;
}
