// One contract for both usage stores (memory and a real redis-server), and the meter's budget arithmetic.
import { randomUUID } from 'node:crypto';
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBatchedUsageStore } from './batched-usage-store.js';
import { createRedisUsageStore } from './redis-usage-store.js';
import { costNanoUsd, emptyCounts, freshCounts, savedCounts } from './usage-counts.js';
import { createUsageMeter } from './usage-meter.js';
import { createMemoryUsageStore, type UsageStore } from './usage-store.js';

let server: RedisServerHandle;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis.quit();
  await server.stop();
});

const tokens = (prompt: number, completion: number) => ({
  prompt,
  completion,
  reasoning: 0,
  cachedPrompt: 0,
  total: prompt + completion,
});
const PRICE = { prompt: 0.27, completion: 1.1, cachedPrompt: 0.07 };

describe.each([
  ['memory', () => createMemoryUsageStore()],
  ['redis', () => createRedisUsageStore({ redis, keyPrefix: `test-${randomUUID()}:` })],
] as Array<[string, () => UsageStore]>)('%s usage store', (_name, makeStore) => {
  it('adds rows per day and model, and reads back exactly what was added', async () => {
    const store = makeStore();
    const one = freshCounts(tokens(10, 20), { price: PRICE, estimated: false });
    await store.add('bot', { day: '2026-12-01', model: 'a/m', counts: one });
    await store.add('bot', { day: '2026-12-01', model: 'a/m', counts: one });
    await store.add('bot', { day: '2026-12-02', model: 'b/m', counts: savedCounts(tokens(5, 5)) });
    await store.add('other', { day: '2026-12-01', model: 'a/m', counts: one });
    const rows = await store.rows('bot', ['2026-11-30', '2026-12-01', '2026-12-02']);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ day: '2026-12-01', model: 'a/m' });
    expect(rows[0]?.counts).toEqual({
      ...emptyCounts(),
      requests: 2,
      prompt_tokens: 20,
      completion_tokens: 40,
      total_tokens: 60,
      cost_nano_usd: 2 * one.cost_nano_usd,
    });
    expect(rows[1]?.counts).toEqual({ ...emptyCounts(), requests: 1, cached_requests: 1, saved_tokens: 10 });
  });

  it('reports spend per day and per month', async () => {
    const store = makeStore();
    const counts = { ...emptyCounts(), requests: 1, cost_nano_usd: 1000 };
    await store.add('bot', { day: '2026-11-30', model: 'm', counts });
    await store.add('bot', { day: '2026-12-01', model: 'm', counts });
    await store.add('bot', { day: '2026-12-01', model: 'n', counts });
    expect(await store.spent('bot', '2026-12-01')).toEqual({ day: 2000, month: 2000 });
    expect(await store.spent('bot', '2026-11-30')).toEqual({ day: 1000, month: 1000 });
    expect(await store.spent('nobody', '2026-12-01')).toEqual({ day: 0, month: 0 });
  });
});

describe('redis usage store', () => {
  it('is shared: two stores on one Redis and prefix count into the same totals', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const second = new Redis(server.url);
    const a = createRedisUsageStore({ redis, keyPrefix });
    const b = createRedisUsageStore({ redis: second, keyPrefix });
    const counts = freshCounts(tokens(3, 4), { price: undefined, estimated: false });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).add('bot', { day: '2026-12-01', model: 'm', counts }),
      ),
    );
    const [row] = await a.rows('bot', ['2026-12-01']);
    expect(row?.counts).toMatchObject({ requests: 20, unpriced_requests: 20, total_tokens: 140 });
    await second.quit();
  });

  it('keeps every key of one API key under one hash tag (one Cluster slot)', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const store = createRedisUsageStore({ redis, keyPrefix });
    await store.add('bot', {
      day: '2026-12-01',
      model: 'm',
      counts: { ...emptyCounts(), requests: 1, cost_nano_usd: 5 },
    });
    const keys = await redis.keys(`*${keyPrefix}*`);
    expect(keys.sort()).toEqual([`{${keyPrefix}usage:bot}:2026-12-01`, `{${keyPrefix}usage:bot}:m:2026-12`]);
    expect(await redis.ttl(keys[0] as string)).toBeGreaterThan(399 * 86_400);
  });
});

describe('usage meter', () => {
  it('prices by the answering model, nano-USD exact; an unknown model counts tokens with cost unknown', async () => {
    const meter = createUsageMeter({
      store: createMemoryUsageStore(),
      prices: { 'a/m': PRICE },
      now: () => Date.parse('2026-12-01T10:00:00Z'),
    });
    meter.fresh('bot', 'a/m', { tokens: { ...tokens(1000, 2000), cachedPrompt: 400 }, estimated: false });
    meter.fresh('bot', 'x/unknown', { tokens: tokens(10, 10), estimated: false });
    const report = await meter.report({ key: 'bot', from: '2026-12-01', to: '2026-12-01' });
    // 600 × 0.27 + 400 × 0.07 + 2000 × 1.10 per 1M = 0.002390 USD.
    expect(costNanoUsd({ ...tokens(1000, 2000), cachedPrompt: 400 }, PRICE)).toBe(2_390_000);
    expect(report.totals).toMatchObject({
      requests: 2,
      total_tokens: 3020,
      cost_usd: 0.00239,
      cost_complete: false,
    });
    expect(report.by_model.map((row) => [row.model, row.cost_complete])).toEqual([
      ['a/m', true],
      ['x/unknown', false],
    ]);
    expect(await meter.spent('bot')).toEqual({ daily: 0.00239, monthly: 0.00239 });
  });

  it('takes its own count when the store fails (Redis down), and the day resets at UTC midnight', async () => {
    let now = Date.parse('2026-12-01T23:59:00Z');
    const failing: UsageStore = {
      backend: 'redis',
      add: () => Promise.reject(new Error('down')),
      rows: () => Promise.reject(new Error('down')),
      spent: () => Promise.reject(new Error('down')),
    };
    const events: string[] = [];
    const meter = createUsageMeter({
      store: failing,
      prices: { m: PRICE },
      now: () => now,
      onEvent: (e) => events.push(e.type),
    });
    meter.fresh('bot', 'm', { tokens: tokens(0, 1_000_000), estimated: false });
    expect(await meter.spent('bot')).toEqual({ daily: 1.1, monthly: 1.1 });
    now = Date.parse('2026-12-02T00:00:01Z');
    expect(await meter.spent('bot')).toEqual({ daily: 0, monthly: 1.1 });
    await Promise.resolve();
    expect(events).toEqual(['recorded', 'write-failed']);
  });
});

describe('batched usage store', () => {
  it('sends one write per key, day and model for many adds, and a report reads them at once', async () => {
    const memory = createMemoryUsageStore();
    let writes = 0;
    const counting: UsageStore = {
      ...memory,
      add: (key, row) => {
        writes += 1;
        return memory.add(key, row);
      },
    };
    const store = createBatchedUsageStore(counting, { flushMs: 60_000, onError: () => {} });
    const one = freshCounts(tokens(1, 2), { price: PRICE, estimated: false });
    for (let n = 0; n < 50; n += 1)
      await store.add('bot', { day: '2026-12-01', model: n % 2 ? 'a' : 'b', counts: one });
    expect(writes).toBe(0);
    const rows = await store.rows('bot', ['2026-12-01']);
    expect(writes).toBe(2);
    expect(rows.map((row) => [row.model, row.counts.requests, row.counts.total_tokens])).toEqual([
      ['b', 25, 75],
      ['a', 25, 75],
    ]);
  });

  it('reports a failed write by key', async () => {
    const failed: string[] = [];
    const store = createBatchedUsageStore(
      { ...createMemoryUsageStore(), add: () => Promise.reject(new Error('down')) },
      { flushMs: 1, onError: (key) => failed.push(key) },
    );
    await store.add('bot', { day: '2026-12-01', model: 'm', counts: emptyCounts() });
    await store.flush();
    expect(failed).toEqual(['bot']);
  });
});

describe('the Redis store under a frozen Redis', () => {
  it('bounds the budget read by deadlineMs, and the meter then falls back on its own count', async () => {
    // commandTimeout far above the deadline: only the store's own deadline can end the read.
    const slow = new Redis(server.url, { commandTimeout: 60_000, maxRetriesPerRequest: 1 });
    await slow.ping();
    const store = createRedisUsageStore({ redis: slow, keyPrefix: `test-${randomUUID()}:`, deadlineMs: 200 });
    const meter = createUsageMeter({
      store,
      prices: { m: PRICE },
      now: () => Date.parse('2026-12-02T12:00:00Z'),
    });
    meter.fresh('bot', 'm', { tokens: tokens(1_000_000, 0), estimated: false });
    server.pause();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const spent = meter.spent('bot');
      await vi.advanceTimersByTimeAsync(200);
      // $0.27 for 1M prompt tokens: this instance's own count, since Redis did not answer in time.
      expect(await spent).toEqual({ daily: 0.27, monthly: 0.27 });
    } finally {
      vi.useRealTimers();
      server.resume();
      await slow.quit();
    }
  });
});
