// The shared Redis client profile: fail-fast options and an 'error' listener that is always there.

import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient } from './create-redis-client.js';

const clients: Redis[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

/** Nothing listens on port 1: every connection attempt is refused. */
const UNREACHABLE = 'redis://127.0.0.1:1';

describe('createRedisClient', () => {
  it('uses the fail-fast profile', () => {
    const client = createRedisClient(UNREACHABLE, { commandTimeoutMs: 100 });
    clients.push(client);
    expect(client.options).toMatchObject({
      commandTimeout: 100,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      enableOfflineQueue: true,
      lazyConnect: false,
    });
    expect(client.options.retryStrategy?.(1)).toBe(200);
    expect(client.options.retryStrategy?.(50)).toBe(2000);
    const defaults = createRedisClient(UNREACHABLE);
    clients.push(defaults);
    expect(defaults.options.commandTimeout).toBe(250);
  });

  it('forwards connection errors to onError', async () => {
    const errors: Error[] = [];
    const received = new Promise<void>((resolve) => {
      clients.push(
        createRedisClient(UNREACHABLE, {
          onError: (error) => {
            errors.push(error);
            resolve();
          },
        }),
      );
    });
    await received;
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it('swallows errors without onError, and a command fails within the timeout', async () => {
    const client = createRedisClient(UNREACHABLE, { commandTimeoutMs: 100 });
    clients.push(client);
    expect(client.listenerCount('error')).toBe(1);
    await expect(client.ping()).rejects.toThrow();
  });
});
