// Tests for stream deadlines: idle silence counted only while waiting, total duration, timers cleared (fake timers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StreamDeadlineOptions, startStreamDeadlines } from './stream-deadlines.js';

/** Deadlines whose expiries are counted: `onExpire` must be called once at most. */
function watch(options: Omit<StreamDeadlineOptions, 'onExpire'>) {
  const expiries: unknown[] = [];
  const deadlines = startStreamDeadlines({ ...options, onExpire: (error) => expiries.push(error) });
  return Object.assign(deadlines, { expiries });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('startStreamDeadlines', () => {
  it('expires with upstream_timeout after idleTimeoutMs of waiting', async () => {
    const d = watch({ idleTimeoutMs: 300 });
    d.waiting();
    await vi.advanceTimersByTimeAsync(299);
    expect(d.expiries).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.expiries).toHaveLength(1);
    expect(d.expired).toBe(d.expiries[0]);
    expect(d.expired).toMatchObject({
      code: 'upstream_timeout',
      message: 'The upstream sent nothing for 0.3 s mid-stream.',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts the silence with every chunk', async () => {
    const d = watch({ idleTimeoutMs: 1000 });
    for (let i = 0; i < 10; i += 1) {
      d.waiting();
      await vi.advanceTimersByTimeAsync(900);
      d.received();
    }
    expect(d.expiries).toHaveLength(0);
    d.waiting();
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.expiries).toHaveLength(1);
  });

  it('does not count time the consumer spends between reads', async () => {
    const d = watch({ idleTimeoutMs: 1000 });
    d.waiting();
    await vi.advanceTimersByTimeAsync(500);
    d.received();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(d.expiries).toHaveLength(0);
    d.waiting();
    await vi.advanceTimersByTimeAsync(999);
    expect(d.expiries).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.expiries).toHaveLength(1);
  });

  it('expires when the whole stream exceeds maxDurationMs, chunks or not', async () => {
    const d = watch({ idleTimeoutMs: 1000, maxDurationMs: 5000 });
    for (let i = 0; i < 49; i += 1) {
      d.waiting();
      await vi.advanceTimersByTimeAsync(100);
      d.received();
    }
    expect(d.expiries).toHaveLength(0);
    d.waiting();
    await vi.advanceTimersByTimeAsync(100);
    expect(d.expiries).toHaveLength(1);
    expect(d.expired).toBe(d.expiries[0]);
    expect(d.expired).toMatchObject({
      code: 'upstream_timeout',
      message: "The stream exceeded the gateway's maximum duration of 5 s.",
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose clears every timer; nothing fires afterwards', async () => {
    const d = watch({ idleTimeoutMs: 100, maxDurationMs: 1000 });
    d.waiting();
    expect(vi.getTimerCount()).toBe(2);
    d.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.expiries).toHaveLength(0);
  });

  it('with no limits starts no timer', () => {
    const d = watch({});
    d.waiting();
    expect(vi.getTimerCount()).toBe(0);
  });
});
