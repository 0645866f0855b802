// The memory-backed limiter on an injected clock: decisions, headers, the 429 and events, to the token.
import { isGatewayError } from '@llm-gateway/contracts';
import { createManualClock } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  type RateLimiterEvent,
  rateLimitedError,
  rateLimitHeaders,
} from './rate-limiter.js';

/** A clock that moves only when a test advances it. */
const manualClock = () => createManualClock(1_700_000_000_000);

function limiterAt100PerMinute() {
  const clock = manualClock();
  const events: RateLimiterEvent[] = [];
  const limiter = createRateLimiter({
    requestsPerMinute: 100,
    clock,
    onEvent: (event) => events.push(event),
  });
  return { clock, events, limiter };
}

describe('createRateLimiter (memory)', () => {
  it('allows 100 requests, refuses the 101st for 600 ms, then allows one more', async () => {
    const { clock, events, limiter } = limiterAt100PerMinute();
    for (let n = 1; n <= 100; n += 1) {
      const decision = await limiter.take();
      expect(decision).toEqual({
        allowed: true,
        limit: 100,
        remaining: 100 - n,
        resetMs: n * 600,
        retryAfterMs: 0,
      });
    }
    expect(await limiter.take()).toEqual({
      allowed: false,
      limit: 100,
      remaining: 0,
      resetMs: 60_000,
      retryAfterMs: 600,
    });
    expect(events).toEqual([{ type: 'limited', key: 'global', retryAfterMs: 600 }]);

    clock.advance(599);
    expect(await limiter.take()).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.take()).toEqual({
      allowed: true,
      limit: 100,
      remaining: 0,
      resetMs: 60_000,
      retryAfterMs: 0,
    });
    expect(await limiter.take()).toMatchObject({ allowed: false, retryAfterMs: 600 });
  });

  it('refills continuously: half a token after 300 ms, the whole bucket after a minute', async () => {
    const { clock, limiter } = limiterAt100PerMinute();
    for (let n = 0; n < 100; n += 1) await limiter.take();
    clock.advance(300);
    expect(await limiter.peek()).toEqual({
      allowed: false,
      limit: 100,
      remaining: 0,
      resetMs: 59_700,
      retryAfterMs: 300,
    });
    clock.advance(6000 - 300);
    expect(await limiter.peek()).toMatchObject({ allowed: true, remaining: 10, resetMs: 54_000 });
    clock.advance(60_000);
    expect(await limiter.peek()).toMatchObject({ remaining: 100, resetMs: 0 });
    expect((await limiter.snapshot()).tokens_available).toBe(100);
  });

  it('peek spends nothing and emits no event', async () => {
    const { events, limiter } = limiterAt100PerMinute();
    await limiter.take();
    for (let n = 0; n < 5; n += 1) {
      expect(await limiter.peek()).toEqual({
        allowed: true,
        limit: 100,
        remaining: 99,
        resetMs: 600,
        retryAfterMs: 0,
      });
    }
    expect(await limiter.take()).toMatchObject({ remaining: 98 });
    expect(events).toEqual([]);
  });

  it('keeps keys apart', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ requestsPerMinute: 2, clock });
    await limiter.take('a');
    await limiter.take('a');
    expect(await limiter.take('a')).toMatchObject({ allowed: false, retryAfterMs: 30_000 });
    expect(await limiter.take('b')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.take()).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('snapshots the global bucket, rounded to 2 decimals', async () => {
    const { clock, limiter } = limiterAt100PerMinute();
    for (let n = 0; n < 100; n += 1) await limiter.take();
    clock.advance(1000);
    expect(await limiter.snapshot()).toEqual({
      rate: 100,
      tokens_available: 1.67,
      backend: 'memory',
      degraded: false,
    });
  });

  it('survives a throwing subscriber', async () => {
    const limiter = createRateLimiter({
      requestsPerMinute: 1,
      clock: manualClock(),
      onEvent: () => {
        throw new Error('subscriber bug');
      },
    });
    await limiter.take();
    await expect(limiter.take()).resolves.toMatchObject({ allowed: false });
  });

  it('rejects a rate that is not a positive integer', () => {
    for (const requestsPerMinute of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRateLimiter({ requestsPerMinute })).toThrow(RangeError);
    }
  });
});

describe('rateLimitHeaders', () => {
  it("writes OpenAI's request headers, reset in seconds with up to 3 decimals", () => {
    const decision = { allowed: true, limit: 100, remaining: 99, resetMs: 600, retryAfterMs: 0 };
    expect(rateLimitHeaders(decision)).toEqual({
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': '99',
      'x-ratelimit-reset-requests': '0.6s',
    });
    const reset = (resetMs: number) =>
      rateLimitHeaders({ ...decision, resetMs })['x-ratelimit-reset-requests'];
    expect([reset(0), reset(1), reset(59_400), reset(60_000), reset(1234)]).toEqual([
      '0s',
      '0.001s',
      '59.4s',
      '60s',
      '1.234s',
    ]);
  });
});

describe('rateLimitedError', () => {
  it('is a 429 rate_limit_exceeded with Retry-After and the rate-limit headers', () => {
    const decision = { allowed: false, limit: 100, remaining: 0, resetMs: 60_000, retryAfterMs: 600 };
    const error = rateLimitedError(decision);
    expect(isGatewayError(error)).toBe(true);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.status).toBe(429);
    expect(error.message).toBe('Rate limit reached: 100 requests per minute. Try again in 0.6 s.');
    expect(error.retryAfterMs).toBe(600);
    expect(error.retryAfter).toBe(1);
    expect(error.headers).toEqual({
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '60s',
    });
  });
});
