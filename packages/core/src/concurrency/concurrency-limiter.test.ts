// Tests for the concurrency limiter: slots, FIFO queue, queue bound and timeout, aborts, no slot leaks (fake timers).
import { type GatewayError, isGatewayError } from '@llm-gateway/contracts';
import { caught } from '@llm-gateway/test-support';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ConcurrencyLimiterOptions,
  createConcurrencyLimiter,
  type ReleaseSlot,
} from './concurrency-limiter.js';

function limiter(overrides: Partial<ConcurrencyLimiterOptions> = {}) {
  return createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 2, queueTimeoutMs: 1000, ...overrides });
}

/** The GatewayError a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await caught(promise);
  if (!isGatewayError(error)) throw error;
  return error;
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createConcurrencyLimiter', () => {
  it('grants up to maxConcurrent slots at once and counts them', async () => {
    const l = limiter();
    const a = await l.acquire();
    await l.acquire();
    expect(l.snapshot()).toEqual({ in_flight: 2, queued: 0, max_concurrent: 2, rejected: 0 });
    a();
    expect(l.snapshot().in_flight).toBe(1);
  });

  it('hands freed slots to waiters in FIFO order', async () => {
    const l = limiter({ maxConcurrent: 1, maxQueue: 3 });
    const first = await l.acquire();
    const order: string[] = [];
    const waits = ['b', 'c', 'd'].map((name) =>
      l.acquire().then((release) => {
        order.push(name);
        return release;
      }),
    );
    expect(l.snapshot()).toMatchObject({ in_flight: 1, queued: 3 });
    first();
    const b = await waits[0];
    b?.();
    const c = await waits[1];
    c?.();
    const d = await waits[2];
    expect(order).toEqual(['b', 'c', 'd']);
    // The slot passed from hand to hand: never more than one in flight, never a gap.
    expect(l.snapshot()).toMatchObject({ in_flight: 1, queued: 0 });
    d?.();
    expect(l.snapshot()).toMatchObject({ in_flight: 0, queued: 0 });
  });

  it('refuses at once with overloaded and a Retry-After when the queue is full', async () => {
    const l = limiter({ maxConcurrent: 1, maxQueue: 1 });
    await l.acquire();
    const queued = track(l.acquire());
    const error = await rejection(l.acquire());
    expect(error.code).toBe('overloaded');
    expect(error.status).toBe(503);
    expect(error.retryAfter).toBe(1);
    expect(error.message).toBe(
      'The gateway is at its limit of 1 upstream calls in flight and 1 waiting; retry shortly.',
    );
    expect(queued.settled).toBe(false);
    expect(l.snapshot()).toMatchObject({ in_flight: 1, queued: 1, rejected: 1 });
  });

  it('with maxQueue 0 (or queueTimeoutMs 0) never waits', async () => {
    for (const options of [{ maxQueue: 0 }, { queueTimeoutMs: 0 }]) {
      const l = limiter({ maxConcurrent: 1, ...options });
      await l.acquire();
      expect((await rejection(l.acquire())).code).toBe('overloaded');
      expect(l.snapshot()).toMatchObject({ queued: 0, rejected: 1 });
    }
  });

  it('refuses a waiter after queueTimeoutMs, not before', async () => {
    const l = limiter({ maxConcurrent: 1, queueTimeoutMs: 2000 });
    await l.acquire();
    const waiting = l.acquire();
    const refused = expect(waiting).rejects.toMatchObject({
      code: 'overloaded',
      retryAfterMs: 1000,
      message: 'No upstream slot became free within 2000 ms (1 calls in flight); retry shortly.',
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(l.snapshot().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await refused;
    expect(l.snapshot()).toMatchObject({ in_flight: 1, queued: 0, rejected: 1 });
  });

  it('a waiter granted a slot in time is not refused later', async () => {
    const l = limiter({ maxConcurrent: 1 });
    const first = await l.acquire();
    const waiting = track(l.acquire());
    await vi.advanceTimersByTimeAsync(500);
    first();
    await vi.advanceTimersByTimeAsync(5000);
    expect(waiting.settled).toBe(true);
    expect(waiting.error).toBeUndefined();
    expect(l.snapshot()).toMatchObject({ in_flight: 1, rejected: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue at once and is not counted as rejected', async () => {
    const l = limiter({ maxConcurrent: 1, maxQueue: 2 });
    const first = await l.acquire();
    const controller = new AbortController();
    const leaving = l.acquire(controller.signal);
    const staying = l.acquire();
    controller.abort();
    expect((await rejection(leaving)).code).toBe('client_closed_request');
    expect(l.snapshot()).toMatchObject({ queued: 1, rejected: 0 });
    expect(vi.getTimerCount()).toBe(1);
    first();
    const release = await staying;
    release();
    expect(l.snapshot()).toMatchObject({ in_flight: 0, queued: 0 });
  });

  it('refuses an already aborted signal without taking a slot', async () => {
    const l = limiter();
    expect((await rejection(l.acquire(AbortSignal.abort()))).code).toBe('client_closed_request');
    expect(l.snapshot().in_flight).toBe(0);
  });

  it('a release called twice frees one slot only', async () => {
    const l = limiter({ maxConcurrent: 1, maxQueue: 1 });
    const first = await l.acquire();
    const waiting = l.acquire();
    first();
    first();
    await waiting;
    // Had the second call freed a slot too, in_flight would now be 0.
    expect(l.snapshot()).toMatchObject({ in_flight: 1, queued: 0 });
  });

  it('leaks no slot, waiter or timer over thousands of acquires, releases, aborts and timeouts', async () => {
    const l = limiter({ maxConcurrent: 3, maxQueue: 5, queueTimeoutMs: 50 });
    const held: ReleaseSlot[] = [];
    const pending: Promise<unknown>[] = [];
    const outcomes = new Map<string, number>();
    const count = (name: string) => outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5000; i += 1) {
      const roll = random();
      if (roll < 0.45) {
        const controller = new AbortController();
        pending.push(
          l.acquire(controller.signal).then(
            (release) => {
              count('granted');
              held.push(release);
            },
            (error: unknown) => count(isGatewayError(error) ? error.code : 'other'),
          ),
        );
        if (random() < 0.2) controller.abort();
      } else if (roll < 0.9) {
        held.splice(Math.floor(random() * held.length), 1)[0]?.();
      } else {
        await vi.advanceTimersByTimeAsync(random() * 60);
      }
      const { in_flight, queued } = l.snapshot();
      expect(in_flight).toBeLessThanOrEqual(3);
      expect(queued).toBeLessThanOrEqual(5);
      // A waiter only waits while every slot is taken.
      if (queued > 0) expect(in_flight).toBe(3);
    }
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(pending);
    for (const release of held.splice(0)) release();
    expect(l.snapshot()).toMatchObject({ in_flight: 0, queued: 0 });
    expect(vi.getTimerCount()).toBe(0);
    // Every path was taken many times.
    for (const name of ['granted', 'overloaded', 'client_closed_request'])
      expect(outcomes.get(name) ?? 0, name).toBeGreaterThan(50);
    expect(outcomes.get('other')).toBeUndefined();
    expect(l.snapshot().rejected).toBe(outcomes.get('overloaded'));
  });

  it('rejects options that cannot work', () => {
    expect(() => limiter({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => limiter({ maxQueue: -1 })).toThrow(RangeError);
    expect(() => limiter({ queueTimeoutMs: Number.NaN })).toThrow(RangeError);
  });
});
