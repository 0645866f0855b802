// Tests for what only the memory store does: LRU eviction by entries and by bytes, exact lazy expiry.
import { createManualClock } from '@llm-gateway/test-support';
import { describe, expect, it, vi } from 'vitest';
import { sampleText as completion } from '../../test/sample-completion.js';
import { createMemoryCacheStore } from './memory-cache-store.js';

/** Bytes the store charges for a value: the stored text in UTF-8. */
const sizeOf = (value: string) => Buffer.byteLength(value, 'utf8');

function storeWithClock(maxEntries: number, maxBytes: number) {
  const clock = createManualClock();
  return { store: createMemoryCacheStore({ maxEntries, maxBytes, clock }), clock };
}

describe('createMemoryCacheStore', () => {
  it('rejects impossible bounds', () => {
    expect(() => createMemoryCacheStore({ maxEntries: 0, maxBytes: 1000 })).toThrow(RangeError);
    expect(() => createMemoryCacheStore({ maxEntries: 10, maxBytes: 1.5 })).toThrow(RangeError);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { store } = storeWithClock(2, 1_000_000);
    await store.set('a', completion('a'), 60);
    await store.set('b', completion('b'), 60);
    // Reading 'a' makes 'b' the least recently used.
    await store.get('a');
    await store.set('c', completion('c'), 60);
    await expect(store.get('b')).resolves.toBeUndefined();
    await expect(store.get('a')).resolves.toBe(completion('a'));
    await expect(store.get('c')).resolves.toBe(completion('c'));
    expect(store.snapshot()).toMatchObject({ entries: 2 });
  });

  it('evicts the least recently used entries beyond maxBytes', async () => {
    // Same-length contents: every entry has the same size.
    const size = sizeOf(completion('a'));
    const { store } = storeWithClock(100, Math.floor(size * 2.5));
    await store.set('a', completion('a'), 60);
    await store.set('b', completion('b'), 60);
    expect(store.snapshot()).toMatchObject({ entries: 2, bytes: 2 * size });
    await store.set('c', completion('c'), 60);
    await expect(store.get('a')).resolves.toBeUndefined();
    await expect(store.get('b')).resolves.toBe(completion('b'));
    await expect(store.get('c')).resolves.toBe(completion('c'));
    expect(store.snapshot()).toMatchObject({ entries: 2, bytes: 2 * size });
  });

  it('counts bytes as UTF-8, not as string length', async () => {
    const value = completion('héllo wörld ✓');
    const { store } = storeWithClock(10, 10_000);
    await store.set('a', value, 60);
    expect(store.snapshot().bytes).toBe(sizeOf(value));
    expect(sizeOf(value)).toBeGreaterThan(value.length);
  });

  it('does not store an entry larger than maxBytes, and keeps the others', async () => {
    const { store } = storeWithClock(10, sizeOf(completion('small')) + 10);
    await store.set('small', completion('small'), 60);
    await store.set('big', completion('x'.repeat(1000)), 60);
    await expect(store.get('big')).resolves.toBeUndefined();
    await expect(store.get('small')).resolves.toBe(completion('small'));
    expect(store.snapshot()).toMatchObject({ errors: 0, entries: 1 });
  });

  it('serves an entry until its TTL has passed, by the injected clock', async () => {
    const { store, clock } = storeWithClock(10, 10_000);
    await store.set('a', completion('a'), 2);
    clock.advance(1999);
    await expect(store.get('a')).resolves.toBe(completion('a'));
    clock.advance(2);
    await expect(store.get('a')).resolves.toBeUndefined();
    expect(store.snapshot()).toMatchObject({ entries: 0, errors: 0 });
  });

  it('expires by the default clock under vitest fake timers', async () => {
    vi.useFakeTimers();
    try {
      const store = createMemoryCacheStore({ maxEntries: 10, maxBytes: 10_000 });
      await store.set('a', completion('a'), 1);
      vi.advanceTimersByTime(999);
      await expect(store.get('a')).resolves.toBe(completion('a'));
      vi.advanceTimersByTime(2);
      await expect(store.get('a')).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives each entry its own TTL', async () => {
    const { store, clock } = storeWithClock(10, 10_000);
    await store.set('short', completion('short'), 1);
    await store.set('long', completion('long'), 3600);
    clock.advance(5000);
    await expect(store.get('short')).resolves.toBeUndefined();
    await expect(store.get('long')).resolves.toBe(completion('long'));
  });

  it('skips a TTL that is not positive, rather than storing forever', async () => {
    const { store } = storeWithClock(10, 10_000);
    await store.set('zero', completion('a'), 0);
    await store.set('negative', completion('a'), -5);
    await store.set('nan', completion('a'), Number.NaN);
    expect(store.snapshot()).toMatchObject({ entries: 0, errors: 0 });
  });
});
