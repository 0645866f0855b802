// One contract for every bucket store, run against memory and a real redis-server; then each store's own rules.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createManualClock, type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketStore } from './bucket-store.js';
import { createRedisClient } from './create-redis-client.js';
import { createMemoryBucketStore } from './memory-bucket-store.js';
import { createRedisBucketStore } from './redis-bucket-store.js';

/** A refill so slow that nothing measurable comes back during a test. */
const NO_REFILL = 1e-9;

/** The behaviour every BucketStore must have; `makeStore` gives a store with no buckets used yet. */
function describeBucketStoreContract(name: string, makeStore: () => BucketStore): void {
  describe(`${name} bucket store (contract)`, () => {
    it('allows exactly `capacity` takes, then refuses', async () => {
      const store = makeStore();
      const params = { capacity: 5, refillPerMs: NO_REFILL, cost: 1 } as const;
      const results = [];
      for (let n = 0; n < 6; n += 1) results.push(await store.take('k', params));
      expect(results.map((result) => result.allowed)).toEqual([true, true, true, true, true, false]);
      results.forEach((result, index) => {
        expect(result.tokens).toBeCloseTo(Math.max(0, 4 - index), 5);
      });
      expect(results[0]?.tokens).toBe(4);
    });

    it('refills over time (6000/min: one token per 10 ms)', async () => {
      const store = makeStore();
      const params = { capacity: 2, refillPerMs: 0.1, cost: 1 } as const;
      // Takes are far faster than 10 ms, but a pause in the event loop could refill one: loop until refused.
      let refused = false;
      for (let n = 0; n < 20 && !refused; n += 1) refused = !(await store.take('k', params)).allowed;
      expect(refused).toBe(true);
      await delay(30);
      const later = await store.take('k', params);
      expect(later.allowed).toBe(true);
      await delay(100);
      expect((await store.take('k', { ...params, cost: 0 })).tokens).toBe(2);
    });

    it('peeks without spending', async () => {
      const store = makeStore();
      const take = { capacity: 3, refillPerMs: NO_REFILL, cost: 1 } as const;
      const peek = { ...take, cost: 0 } as const;
      expect(await store.take('k', peek)).toMatchObject({ allowed: true, tokens: 3 });
      await store.take('k', take);
      for (let n = 0; n < 3; n += 1) {
        const result = await store.take('k', peek);
        expect(result.allowed).toBe(true);
        expect(result.tokens).toBeCloseTo(2, 5);
      }
      await store.take('k', take);
      await store.take('k', take);
      const empty = await store.take('k', peek);
      expect(empty.allowed).toBe(false);
      expect(empty.tokens).toBeCloseTo(0, 5);
    });

    it('keeps keys apart', async () => {
      const store = makeStore();
      const params = { capacity: 1, refillPerMs: NO_REFILL, cost: 1 } as const;
      expect((await store.take('a', params)).allowed).toBe(true);
      expect((await store.take('a', params)).allowed).toBe(false);
      expect((await store.take('b', params)).allowed).toBe(true);
    });

    it('is atomic: 50 parallel takes on a 20-token bucket allow exactly 20', async () => {
      const store = makeStore();
      const params = { capacity: 20, refillPerMs: NO_REFILL, cost: 1 } as const;
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take('k', params)));
      expect(results.filter((result) => result.allowed)).toHaveLength(20);
    });

    it('takes a cost of many tokens only when the bucket holds all of it', async () => {
      const store = makeStore();
      const bucket = { capacity: 1000, refillPerMs: NO_REFILL };
      expect(await store.take('k', { ...bucket, cost: 700 })).toMatchObject({ allowed: true, tokens: 300 });
      const refused = await store.take('k', { ...bucket, cost: 301 });
      expect(refused.allowed).toBe(false);
      expect(refused.tokens).toBeCloseTo(300, 5);
      expect((await store.take('k', { ...bucket, cost: 300 })).allowed).toBe(true);
    });

    it('settles: a refund up to capacity, a charge into debt down to -capacity', async () => {
      const store = makeStore();
      const bucket = { capacity: 1000, refillPerMs: NO_REFILL };
      await store.take('k', { ...bucket, cost: 900 });
      const refunded = await store.take('k', { ...bucket, cost: -600, settle: true });
      expect(refunded.allowed).toBe(true);
      expect(refunded.tokens).toBeCloseTo(700, 5);
      expect((await store.take('k', { ...bucket, cost: -5000, settle: true })).tokens).toBeCloseTo(1000, 5);
      const charged = await store.take('k', { ...bucket, cost: 1400, settle: true });
      expect(charged.tokens).toBeCloseTo(-400, 5);
      expect((await store.take('k', { ...bucket, cost: 0 })).allowed).toBe(false);
      expect((await store.take('k', { ...bucket, cost: 9000, settle: true })).tokens).toBeCloseTo(-1000, 5);
    });

    it("reports its clock's time", async () => {
      const result = await makeStore().take('k', { capacity: 1, refillPerMs: NO_REFILL, cost: 0 });
      expect(Math.abs(result.nowMs - Date.now())).toBeLessThan(5000);
    });
  });
}

describeBucketStoreContract('memory', () => createMemoryBucketStore());

let server: RedisServerHandle;
let client: Redis;
const prefix = `test:bucket-store:${randomUUID()}:`;
let storeCount = 0;

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient(server.url);
  await client.ping();
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

// Each store gets its own prefix: the contract reuses key names across tests.
describeBucketStoreContract('redis', () => {
  storeCount += 1;
  return createRedisBucketStore({ redis: client, keyPrefix: `${prefix}${storeCount}:` });
});

describe('redis bucket store', () => {
  it('writes nothing on a peek or a refusal', async () => {
    const store = createRedisBucketStore({ redis: client, keyPrefix: `${prefix}writes:` });
    const params = { capacity: 1, refillPerMs: NO_REFILL, cost: 0 } as const;
    await store.take('k', params);
    expect(await client.exists(`${prefix}writes:{k}`)).toBe(0);
    await store.take('k', { ...params, cost: 1 });
    const stored = await client.hgetall(`${prefix}writes:{k}`);
    expect(Number(stored.tokens)).toBe(0);
    await store.take('k', params);
    await store.take('k', { ...params, cost: 1 });
    expect(await client.hgetall(`${prefix}writes:{k}`)).toEqual(stored);
  });

  it('expires a key once its bucket would be full again, plus a margin', async () => {
    const store = createRedisBucketStore({ redis: client, keyPrefix: `${prefix}expiry:` });
    // One token every 100 ms: full again 100 ms after one take.
    await store.take('k', { capacity: 10, refillPerMs: 0.01, cost: 1 });
    const ttl = await client.pttl(`${prefix}expiry:{k}`);
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(1100);
  });

  it('rejects when Redis does not answer (the limiter falls back, not the store)', async () => {
    const offline = createRedisClient('redis://127.0.0.1:1', { commandTimeoutMs: 100 });
    try {
      const store = createRedisBucketStore({ redis: offline, keyPrefix: prefix });
      await expect(store.take('k', { capacity: 1, refillPerMs: NO_REFILL, cost: 1 })).rejects.toThrow();
    } finally {
      offline.disconnect();
    }
  });
});

describe('memory bucket store', () => {
  const params = { capacity: 2, refillPerMs: NO_REFILL, cost: 1 } as const;

  it('drops the least recently used key beyond maxKeys (it comes back full)', async () => {
    const store = createMemoryBucketStore({ clock: createManualClock(), maxKeys: 2 });
    await store.take('a', params);
    await store.take('b', params);
    await store.take('a', params); // a is now the most recent: b is the one to go
    await store.take('c', params);
    expect((await store.take('b', { ...params, cost: 0 })).tokens).toBe(2);
    // Adding b back evicted c, but a kept its state: empty after two takes.
    expect((await store.take('a', { ...params, cost: 0 })).allowed).toBe(false);
  });

  it('does not remember keys it was only asked to peek at', async () => {
    const store = createMemoryBucketStore({ clock: createManualClock(), maxKeys: 1 });
    await store.take('a', params);
    await store.take('b', { ...params, cost: 0 });
    expect((await store.take('a', { ...params, cost: 0 })).tokens).toBe(1);
  });

  it('refills on its injected clock', async () => {
    const clock = createManualClock();
    const store = createMemoryBucketStore({ clock });
    const fast = { capacity: 1, refillPerMs: 0.01, cost: 1 } as const;
    await store.take('k', fast);
    clock.advance(99);
    expect((await store.take('k', fast)).allowed).toBe(false);
    clock.advance(1);
    expect(await store.take('k', fast)).toEqual({ allowed: true, tokens: 0, nowMs: 100 });
  });

  it('rejects a maxKeys that is not a positive integer', () => {
    expect(() => createMemoryBucketStore({ maxKeys: 0 })).toThrow(RangeError);
  });
});
