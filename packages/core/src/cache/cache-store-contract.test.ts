// The cache-store contract: one suite, run against the memory store and a real redis-server.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChatCompletion } from '@llm-gateway/contracts';
import { createManualClock, type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../rate-limit/create-redis-client.js';
import type { CacheStore } from './cache-store.js';
import { createMemoryCacheStore } from './memory-cache-store.js';
import { createRedisCacheStore } from './redis-cache-store.js';

/** A store under test, plus how to let time pass for its TTLs and how to release it. */
interface CacheStoreHarness {
  store: CacheStore;
  /** Lets `ms` pass as the store sees it (an injected clock, or real time for Redis). */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A completion's JSON text: what a store holds is a string (the response cache's encoding aside). */
function completion(content: string): string {
  const value: ChatCompletion = {
    id: `chatcmpl-${content}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-test',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, from_cache: false },
    system_fingerprint: 'fp_test',
  };
  return JSON.stringify(value);
}

/** The behaviour every CacheStore must have, whatever holds the entries. */
function describeCacheStoreContract(name: string, makeHarness: () => Promise<CacheStoreHarness>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let harness: CacheStoreHarness;
    let store: CacheStore;
    // Own prefix per test: a shared Redis never leaks entries between tests or runs.
    let key: (suffix: string) => string;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
      const prefix = `test:cache-contract:${randomUUID()}:`;
      key = (suffix) => prefix + suffix;
    });

    afterEach(async () => {
      await harness.close();
    });

    it('misses a key that was never set', async () => {
      await expect(store.get(key('missing'))).resolves.toBeUndefined();
    });

    it('returns what was set', async () => {
      const value = completion('hello');
      await store.set(key('a'), value, 60);
      await expect(store.get(key('a'))).resolves.toBe(value);
    });

    it('keeps any text verbatim, parsing nothing', async () => {
      // The store never judges a value: whether it is an answer is the response cache's question.
      const values = ['not json {', '{"hello":"world"}', 'héllo wörld ✓ | "quoted" \\ \n'];
      for (const [i, value] of values.entries()) await store.set(key(`raw${i}`), value, 60);
      for (const [i, value] of values.entries()) await expect(store.get(key(`raw${i}`))).resolves.toBe(value);
      expect(store.snapshot()).toMatchObject({ errors: 0, degraded: false });
    });

    it('expires an entry after its TTL', async () => {
      await store.set(key('a'), completion('short-lived'), 1);
      await expect(store.get(key('a'))).resolves.toBe(completion('short-lived'));
      await harness.elapse(1100);
      await expect(store.get(key('a'))).resolves.toBeUndefined();
    });

    it('overwrites an entry', async () => {
      await store.set(key('a'), completion('first'), 60);
      await store.set(key('a'), completion('second'), 60);
      await expect(store.get(key('a'))).resolves.toBe(completion('second'));
    });

    it('keeps keys apart', async () => {
      await store.set(key('a'), completion('for a'), 60);
      await store.set(key('b'), completion('for b'), 60);
      await expect(store.get(key('a'))).resolves.toBe(completion('for a'));
      await expect(store.get(key('b'))).resolves.toBe(completion('for b'));
      await expect(store.get(key('c'))).resolves.toBeUndefined();
    });

    it('reports a healthy snapshot after ordinary use', async () => {
      await store.set(key('a'), completion('x'), 60);
      await store.get(key('a'));
      await store.get(key('missing'));
      expect(store.snapshot()).toMatchObject({ backend: store.backend, errors: 0, degraded: false });
    });
  });
}

describeCacheStoreContract('memory', async () => {
  const clock = createManualClock();
  const store = createMemoryCacheStore({ maxEntries: 100, maxBytes: 1_000_000, clock });
  return {
    store,
    elapse: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});

describe('with a real redis-server', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  describeCacheStoreContract('redis', async () => {
    const redis = createRedisClient(server.url, { commandTimeoutMs: 200 });
    if (redis.status !== 'ready') await once(redis, 'ready');
    return {
      store: createRedisCacheStore({ redis }),
      // Redis keeps its own time; a 1 s TTL is short enough to wait for.
      elapse: (ms) => delay(ms),
      close: async () => {
        redis.disconnect();
      },
    };
  });
});
