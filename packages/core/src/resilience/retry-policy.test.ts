// Tests for the retry policy: backoff schedule, attempt counting, Retry-After, deadline and cancellation (fake timers).
import { GatewayError } from '@llm-gateway/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallSignal } from '../signal/call-signal.js';
import { errorFromResponse } from '../upstream/upstream-errors.js';
import { systemClock } from './clock.js';
import { backoffDelayMs, createRetryPolicy, type RetryEvent, type RetryOptions } from './retry-policy.js';

const half = () => 0.5;

function policyWith(overrides: Partial<RetryOptions> = {}) {
  const events: RetryEvent[] = [];
  const policy = createRetryPolicy({
    maxAttempts: 3,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    maxRetryAfterMs: 10_000,
    deadlineMs: 60_000,
    clock: systemClock,
    random: half,
    onRetry: (event) => events.push(event),
    ...overrides,
  });
  return { policy, events };
}

/** A call that always fails with a fresh error from `make`, remembering each one. */
function failing(make: () => unknown | Promise<unknown>) {
  const errors: unknown[] = [];
  const fn = vi.fn(async (_attempt: number, _signal: CallSignal | undefined): Promise<string> => {
    const error = await make();
    errors.push(error);
    throw error;
  });
  return { fn, errors };
}

const unavailable = () => new GatewayError('upstream_unavailable', 'down');

/** An upstream answer mapped through the real header path. */
function upstreamError(status: number, headers: Record<string, string>): Promise<GatewayError> {
  const body = JSON.stringify({ error: { message: 'slow down', type: 'requests' } });
  return errorFromResponse(new Response(body, { status, headers }), { secrets: [], nowMs: Date.now() });
}

beforeEach(() => {
  vi.useFakeTimers();
  // A whole second, so HTTP dates (second precision) give exact waits.
  vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelayMs', () => {
  const options = { baseDelayMs: 500, maxDelayMs: 8000 };

  it('doubles per attempt with equal jitter and caps the step', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelayMs(attempt, options, half));
    expect(schedule).toEqual([375, 750, 1500, 3000, 6000, 6000, 6000]);
  });

  it('never waits less than half the step nor more than the step', () => {
    expect(backoffDelayMs(3, options, () => 0)).toBe(1000);
    expect(backoffDelayMs(3, options, () => 0.999)).toBeCloseTo(1999, 6);
    expect(backoffDelayMs(10, options, () => 0)).toBe(4000);
  });

  it('stays finite for huge attempt numbers and a zero base', () => {
    expect(backoffDelayMs(10_000, options, half)).toBe(6000);
    expect(backoffDelayMs(10_000, { baseDelayMs: 0, maxDelayMs: 8000 }, half)).toBe(0);
  });
});

describe('createRetryPolicy', () => {
  it('rejects impossible attempt counts', () => {
    expect(() => policyWith({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => policyWith({ maxAttempts: 1.5 })).toThrow(RangeError);
  });

  it('returns the first success without waiting', async () => {
    const { policy, events } = policyWith();
    const fn = vi.fn(async () => 'ok');
    await expect(policy.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(events).toEqual([]);
  });

  it('waits the exact backoff schedule between attempts', async () => {
    const { policy, events } = policyWith({ maxAttempts: 5 });
    const { fn, errors } = failing(unavailable);
    const result = policy.execute(fn);
    const assertion = expect(result).rejects.toBeInstanceOf(GatewayError);

    const callsAt = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return fn.mock.calls.length;
    };
    expect(await callsAt(0)).toBe(1);
    expect(await callsAt(374)).toBe(1);
    expect(await callsAt(1)).toBe(2);
    expect(await callsAt(749)).toBe(2);
    expect(await callsAt(1)).toBe(3);
    expect(await callsAt(1499)).toBe(3);
    expect(await callsAt(1)).toBe(4);
    expect(await callsAt(2999)).toBe(4);
    expect(await callsAt(1)).toBe(5);
    await assertion;

    expect(events.map((event) => [event.attempt, event.delayMs])).toEqual([
      [1, 375],
      [2, 750],
      [3, 1500],
      [4, 3000],
    ]);
    expect(events.map((event) => event.error)).toEqual(errors.slice(0, 4));
  });

  it('calls fn exactly maxAttempts times on retryable errors and rethrows the last error', async () => {
    const { policy } = policyWith({ maxAttempts: 4 });
    const { fn, errors } = failing(unavailable);
    const result = policy.execute(fn);
    const assertion = expect(result).rejects.toSatisfy((error) => error === errors[3]);
    await vi.advanceTimersByTimeAsync(60_000);
    await assertion;
    expect(fn).toHaveBeenCalledTimes(4);
    expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4]);
  });

  it('returns a later success and passes the attempt number and signal to fn', async () => {
    const { policy } = policyWith();
    const controller = new AbortController();
    const fn = vi.fn(async (attempt: number, _signal: CallSignal | undefined) => {
      if (attempt < 3) throw unavailable();
      return `ok on ${attempt}`;
    });
    const result = policy.execute(fn, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(result).resolves.toBe('ok on 3');
    expect(fn.mock.calls.map(([, signal]) => signal)).toEqual([
      controller.signal,
      controller.signal,
      controller.signal,
    ]);
  });

  it.each([
    ['an upstream 4xx', () => new GatewayError('upstream_client_error', 'bad', { status: 400 })],
    ['a garbled answer', () => new GatewayError('upstream_bad_response', 'garbage')],
    ['the open circuit', () => new GatewayError('circuit_open', 'open', { retryAfterMs: 5000 })],
    ['a non-gateway error', () => new Error('bug')],
  ])('does not retry %s', async (_name, make) => {
    const { policy, events } = policyWith();
    const { fn, errors } = failing(make);
    await expect(policy.execute(fn)).rejects.toSatisfy((error) => error === errors[0]);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(events).toEqual([]);
  });

  it('uses an injected classifier', async () => {
    const { policy } = policyWith({ classify: () => ({ retryable: false }) });
    const { fn } = failing(unavailable);
    await expect(policy.execute(fn)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  describe('Retry-After', () => {
    it.each([
      ['seconds', { 'retry-after': '2' }, 2000],
      ['an HTTP date', { 'retry-after': new Date('2025-01-01T00:00:03.000Z').toUTCString() }, 3000],
      ['retry-after-ms', { 'retry-after-ms': '1234' }, 1234],
      ['zero', { 'retry-after': '0' }, 0],
    ])('waits what a 429 asked for in %s instead of the backoff', async (_form, headers, waitMs) => {
      const { policy, events } = policyWith({ maxAttempts: 2 });
      const { fn } = failing(() => upstreamError(429, headers));
      const result = policy.execute(fn);
      const assertion = expect(result).rejects.toMatchObject({ code: 'upstream_rate_limited' });

      await vi.advanceTimersByTimeAsync(0);
      expect(fn).toHaveBeenCalledTimes(waitMs === 0 ? 2 : 1);
      if (waitMs > 0) {
        await vi.advanceTimersByTimeAsync(waitMs - 1);
        expect(fn).toHaveBeenCalledTimes(1);
        await vi.advanceTimersByTimeAsync(1);
        expect(fn).toHaveBeenCalledTimes(2);
      }
      await assertion;
      expect(events.map((event) => event.delayMs)).toEqual([waitMs]);
    });

    it('honours a 503 Retry-After (upstream_overloaded)', async () => {
      const { policy, events } = policyWith({ maxAttempts: 2 });
      const { fn } = failing(() => upstreamError(503, { 'retry-after': '4' }));
      const result = policy.execute(fn);
      const assertion = expect(result).rejects.toMatchObject({ code: 'upstream_overloaded' });
      await vi.advanceTimersByTimeAsync(60_000);
      await assertion;
      expect(fn).toHaveBeenCalledTimes(2);
      expect(events.map((event) => event.delayMs)).toEqual([4000]);
    });

    it('gives up at once on a wait above maxRetryAfterMs and surfaces the upstream wait', async () => {
      const { policy, events } = policyWith({ maxRetryAfterMs: 10_000 });
      const { fn } = failing(() => upstreamError(429, { 'retry-after': '30' }));
      await expect(policy.execute(fn)).rejects.toMatchObject({
        code: 'upstream_rate_limited',
        retryAfterMs: 30_000,
        retryAfter: 30,
      });
      expect(fn).toHaveBeenCalledTimes(1);
      expect(events).toEqual([]);
    });

    it('still waits a Retry-After exactly at the cap', async () => {
      const { policy, events } = policyWith({ maxAttempts: 2, maxRetryAfterMs: 10_000 });
      const { fn } = failing(() => upstreamError(429, { 'retry-after-ms': '10000' }));
      const result = policy.execute(fn);
      const assertion = expect(result).rejects.toMatchObject({ code: 'upstream_rate_limited' });
      await vi.advanceTimersByTimeAsync(10_000);
      await assertion;
      expect(fn).toHaveBeenCalledTimes(2);
      expect(events.map((event) => event.delayMs)).toEqual([10_000]);
    });
  });

  describe('deadline', () => {
    it('starts no retry whose wait would end past the deadline', async () => {
      // Attempts at 0, 375, 1125; the next wait (1500) would end at 2625 > 2000.
      const { policy, events } = policyWith({ maxAttempts: 10, deadlineMs: 2000 });
      const { fn, errors } = failing(unavailable);
      const result = policy.execute(fn);
      const assertion = expect(result).rejects.toSatisfy((error) => error === errors[2]);
      await vi.advanceTimersByTimeAsync(1125);
      await assertion;
      expect(fn).toHaveBeenCalledTimes(3);
      expect(events.map((event) => event.delayMs)).toEqual([375, 750]);
    });

    it('counts the time spent in attempts', async () => {
      // Attempt 1 runs 0–800, waits 375, attempt 2 runs 1175–1975; waiting 750 more would end at 2725.
      const { policy } = policyWith({ maxAttempts: 10, deadlineMs: 2000 });
      const fn = vi.fn(async () => {
        await systemClock.sleep(800);
        throw unavailable();
      });
      const result = policy.execute(fn);
      const assertion = expect(result).rejects.toMatchObject({ code: 'upstream_unavailable' });
      await vi.advanceTimersByTimeAsync(1975);
      await assertion;
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('does not wait a Retry-After that would end past the deadline', async () => {
      const { policy } = policyWith({ deadlineMs: 2000, maxRetryAfterMs: 10_000 });
      const { fn } = failing(() => upstreamError(429, { 'retry-after': '3' }));
      await expect(policy.execute(fn)).rejects.toMatchObject({ retryAfterMs: 3000 });
      expect(fn).toHaveBeenCalledTimes(1);
    });
  });

  describe('cancellation', () => {
    it('aborting during the wait throws client_closed_request and makes no further attempt', async () => {
      const { policy } = policyWith({ maxAttempts: 5 });
      const controller = new AbortController();
      const { fn, errors } = failing(unavailable);
      const result = policy.execute(fn, { signal: controller.signal });
      const assertion = expect(result).rejects.toSatisfy(
        (error) =>
          error instanceof GatewayError &&
          error.code === 'client_closed_request' &&
          error.cause === errors[0],
      );
      await vi.advanceTimersByTimeAsync(100);
      controller.abort();
      await assertion;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('does not start when the signal is already aborted', async () => {
      const { policy } = policyWith();
      const fn = vi.fn(async () => 'never');
      await expect(policy.execute(fn, { signal: AbortSignal.abort() })).rejects.toMatchObject({
        code: 'client_closed_request',
      });
      expect(fn).not.toHaveBeenCalled();
    });

    it('rethrows the attempt error without retrying when the signal aborted during the attempt', async () => {
      const { policy, events } = policyWith();
      const controller = new AbortController();
      const closed = new GatewayError('client_closed_request', 'The client closed the request.');
      const fn = vi.fn(async () => {
        controller.abort();
        throw closed;
      });
      await expect(policy.execute(fn, { signal: controller.signal })).rejects.toBe(closed);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(events).toEqual([]);
    });

    it('does not retry a retryable error thrown after the abort', async () => {
      const { policy } = policyWith();
      const controller = new AbortController();
      const fn = vi.fn(async () => {
        controller.abort();
        throw unavailable();
      });
      await expect(policy.execute(fn, { signal: controller.signal })).rejects.toMatchObject({
        code: 'upstream_unavailable',
      });
      expect(fn).toHaveBeenCalledTimes(1);
    });
  });
});
