// Tests for the circuit breaker: opening at the threshold, refusing, the single half-open probe and its events.
import { GatewayError } from '@llm-gateway/contracts';
import { caughtSync } from '@llm-gateway/test-support';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type BreakerPermit,
  type CircuitBreakerEvent,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './circuit-breaker.js';
import { systemClock } from './clock.js';

const START = '2025-01-01T00:00:00.000Z';
const OPEN_MS = 30_000;

function breakerWith(overrides: Partial<CircuitBreakerOptions> = {}) {
  const events: CircuitBreakerEvent[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold: 3,
    openMs: OPEN_MS,
    clock: systemClock,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  const transitions = () => events.map((event) => `${event.from}->${event.to}`);
  const fail = (times: number) => {
    for (let i = 0; i < times; i += 1) breaker.acquire().failure();
  };
  return { breaker, events, transitions, fail };
}

/** The error acquire() throws; fails the test if it does not throw one. */
function refusal(acquire: () => BreakerPermit): GatewayError {
  const error = caughtSync(acquire);
  if (error instanceof GatewayError) return error;
  throw error;
}

const upstreamDown = () => new GatewayError('upstream_unavailable', 'down');

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(START));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createCircuitBreaker', () => {
  it('rejects impossible options', () => {
    expect(() => breakerWith({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => breakerWith({ openMs: -1 })).toThrow(RangeError);
  });

  it('starts closed', () => {
    const { breaker } = breakerWith();
    expect(breaker.snapshot()).toEqual({
      state: 'closed',
      failure_count: 0,
      failure_threshold: 3,
      opened_at: null,
      half_open_at: null,
    });
  });

  it('opens after failureThreshold consecutive failures, with one event', () => {
    const { breaker, events, fail } = breakerWith();
    fail(2);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 2 });
    expect(events).toEqual([]);
    fail(1);
    const snapshot = {
      state: 'open',
      failure_count: 3,
      failure_threshold: 3,
      opened_at: START,
      half_open_at: '2025-01-01T00:00:30.000Z',
    };
    expect(breaker.snapshot()).toEqual(snapshot);
    expect(events).toEqual([{ type: 'state-changed', from: 'closed', to: 'open', snapshot }]);
  });

  it('resets the consecutive count on a success', () => {
    const { breaker, fail } = breakerWith();
    fail(2);
    breaker.acquire().success();
    expect(breaker.snapshot().failure_count).toBe(0);
    fail(2);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 2 });
    fail(1);
    expect(breaker.snapshot().state).toBe('open');
  });

  it('does not count released permits', () => {
    const { breaker, fail } = breakerWith();
    fail(2);
    breaker.acquire().release();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 2 });
  });

  it('refuses while open with the time until half-open', async () => {
    const { breaker, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = refusal(breaker.acquire);
    expect(error).toMatchObject({ code: 'circuit_open', status: 503, retryAfterMs: 20_000, retryAfter: 20 });
    expect(error.message).toBe('The upstream is failing; the circuit breaker is open. Retry in 20 s.');

    await vi.advanceTimersByTimeAsync(19_500);
    const late = refusal(breaker.acquire);
    expect(late).toMatchObject({ retryAfterMs: 500, retryAfter: 1 });
    expect(late.message).toContain('Retry in 1 s.');
  });

  it('turns half-open lazily after openMs, with one event however often it is looked at', async () => {
    const { breaker, transitions, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS - 1);
    expect(breaker.snapshot().state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.snapshot()).toEqual({
      state: 'half_open',
      failure_count: 3,
      failure_threshold: 3,
      opened_at: START,
      half_open_at: '2025-01-01T00:00:30.000Z',
    });
    breaker.snapshot();
    expect(transitions()).toEqual(['closed->open', 'open->half_open']);
  });

  it('admits exactly one probe when half-open, refusing the rest', async () => {
    const { breaker, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const outcomes = Array.from({ length: 10 }, () => {
      try {
        return breaker.acquire();
      } catch (error) {
        return error;
      }
    });
    const permits = outcomes.filter((outcome) => !(outcome instanceof GatewayError));
    const refusals = outcomes.filter((outcome) => outcome instanceof GatewayError);
    expect(permits).toHaveLength(1);
    expect(refusals).toHaveLength(9);
    for (const error of refusals) expect(error).toMatchObject({ code: 'circuit_open', retryAfter: 1 });
  });

  it('runs one probe among concurrent execute() calls', async () => {
    const { breaker, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const fn = vi.fn(async () => {
      await systemClock.sleep(1000);
      return 'ok';
    });
    const results = Promise.allSettled(Array.from({ length: 10 }, () => breaker.execute(fn)));
    await vi.advanceTimersByTimeAsync(1000);
    const settled = await results;
    expect(fn).toHaveBeenCalledTimes(1);
    expect(settled.filter((result) => result.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: 'ok' },
    ]);
    const rejected = settled.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(9);
    for (const result of rejected) expect(result.reason).toMatchObject({ code: 'circuit_open' });
    expect(breaker.snapshot().state).toBe('closed');
  });

  it('closes on probe success', async () => {
    const { breaker, events, transitions, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    breaker.acquire().success();
    const closed = {
      state: 'closed',
      failure_count: 0,
      failure_threshold: 3,
      opened_at: null,
      half_open_at: null,
    };
    expect(breaker.snapshot()).toEqual(closed);
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    expect(events.at(-1)?.snapshot).toEqual(closed);
    // Closed again: a fresh run of failures is needed to open it.
    fail(2);
    expect(breaker.snapshot().state).toBe('closed');
  });

  it('re-opens for another openMs on probe failure', async () => {
    const { breaker, transitions, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS + 5000);
    breaker.acquire().failure();
    expect(breaker.snapshot()).toEqual({
      state: 'open',
      failure_count: 4,
      failure_threshold: 3,
      opened_at: '2025-01-01T00:00:35.000Z',
      half_open_at: '2025-01-01T00:01:05.000Z',
    });
    expect(refusal(breaker.acquire)).toMatchObject({ code: 'circuit_open', retryAfterMs: OPEN_MS });
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->open']);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    expect(breaker.snapshot().state).toBe('half_open');
  });

  it('frees the probe slot on release without changing state', async () => {
    const { breaker, transitions, fail } = breakerWith();
    fail(3);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const probe = breaker.acquire();
    expect(refusal(breaker.acquire).code).toBe('circuit_open');
    probe.release();
    expect(breaker.snapshot().state).toBe('half_open');
    expect(transitions()).toEqual(['closed->open', 'open->half_open']);
    const next = breaker.acquire();
    expect(refusal(breaker.acquire).code).toBe('circuit_open');
    next.success();
    expect(breaker.snapshot().state).toBe('closed');
  });

  it('records a permit at most once', async () => {
    const { breaker, transitions } = breakerWith({ failureThreshold: 2 });
    const permit = breaker.acquire();
    permit.failure();
    permit.failure();
    permit.success();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 1 });

    breaker.acquire().failure();
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const probe = breaker.acquire();
    probe.success();
    probe.failure();
    probe.release();
    expect(breaker.snapshot().state).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('ignores permits issued before a transition', async () => {
    const { breaker, transitions, fail } = breakerWith();
    const slowSuccess = breaker.acquire();
    const slowFailure = breaker.acquire();
    const slowAfterClose = breaker.acquire();
    fail(3);
    // A call that started before the breaker opened cannot close it…
    slowSuccess.success();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failure_count: 3 });
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const probe = breaker.acquire();
    // …nor re-open it while the probe is out…
    slowFailure.failure();
    expect(breaker.snapshot().state).toBe('half_open');
    probe.success();
    // …nor count against the closed breaker that follows.
    slowAfterClose.failure();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 0 });
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  describe('execute', () => {
    it('returns the result and counts a success', async () => {
      const { breaker, fail } = breakerWith();
      fail(2);
      await expect(breaker.execute(async () => 42)).resolves.toBe(42);
      expect(breaker.snapshot().failure_count).toBe(0);
    });

    it('counts breaker failures and rethrows them', async () => {
      const { breaker } = breakerWith({ failureThreshold: 2 });
      const error = upstreamDown();
      await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
      await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
      expect(breaker.snapshot().state).toBe('open');
      await expect(breaker.execute(async () => 'never')).rejects.toMatchObject({ code: 'circuit_open' });
    });

    it.each([
      ['an upstream 4xx', new GatewayError('upstream_client_error', 'bad', { status: 400 })],
      ['a client cancel', new GatewayError('client_closed_request', 'gone')],
      ['an unknown error', new Error('bug')],
    ])('neither counts %s nor keeps the probe slot', async (_name, error) => {
      const { breaker, transitions, fail } = breakerWith();
      fail(2);
      await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 2 });

      fail(1);
      await vi.advanceTimersByTimeAsync(OPEN_MS);
      await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
      expect(breaker.snapshot().state).toBe('half_open');
      await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
      expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    });

    it('uses an injected classifier', async () => {
      const { breaker } = breakerWith({ failureThreshold: 1, classify: () => ({ breakerFailure: true }) });
      await expect(breaker.execute(() => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
      expect(breaker.snapshot().state).toBe('open');
    });
  });
});
