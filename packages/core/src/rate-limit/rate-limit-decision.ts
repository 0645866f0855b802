// A limiter's answer to one request, and how it reaches the client: OpenAI's rate-limit headers and the 429.
import { GatewayError } from '@llm-gateway/contracts';
import type { BucketResult } from './bucket-store.js';
import { msUntilTokens, wholeTokens } from './token-bucket.js';

/** The answer for one request. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The bucket's capacity (requests per minute). */
  limit: number;
  /** Whole tokens left (floor), never negative. */
  remaining: number;
  /** Milliseconds (rounded up) until the bucket is full again. */
  resetMs: number;
  /** When refused: milliseconds (rounded up) until one token is available; 0 when allowed. */
  retryAfterMs: number;
}

/**
 * Turns a store's result into a decision for a bucket of `capacity` refilling at `refillPerMs`; a
 * refused `cost` waits until the bucket holds all of it.
 */
export function toDecision(
  result: BucketResult,
  { capacity, refillPerMs }: { capacity: number; refillPerMs: number },
  cost = 1,
): RateLimitDecision {
  return {
    allowed: result.allowed,
    limit: capacity,
    remaining: wholeTokens(result.tokens),
    resetMs: msUntilTokens(result.tokens, capacity, refillPerMs),
    retryAfterMs: result.allowed ? 0 : msUntilTokens(result.tokens, Math.max(1, cost), refillPerMs),
  };
}

/**
 * A duration as seconds with up to 3 decimals and an `s`: 600 → `0.6s`, 59400 → `59.4s`, 60000 → `60s`,
 * 0 → `0s`. OpenAI sends Go-style durations (`1s`, `6m0s`); seconds with a decimal fraction is valid
 * Go duration syntax too (time.ParseDuration), simpler to read, and keeps millisecond precision.
 */
export function formatSeconds(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(3))}s`;
}

/**
 * OpenAI's request rate-limit headers for a decision: `x-ratelimit-limit-requests`,
 * `x-ratelimit-remaining-requests` and `x-ratelimit-reset-requests` (time until the bucket is full,
 * formatted by formatSeconds).
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(decision.limit),
    'x-ratelimit-remaining-requests': String(decision.remaining),
    'x-ratelimit-reset-requests': formatSeconds(decision.resetMs),
  };
}

/** The 429 for a refused decision, carrying Retry-After (via retryAfterMs) and the rate-limit headers. */
export function rateLimitedError(
  decision: RateLimitDecision,
  scope: 'gateway' | 'key' = 'gateway',
): GatewayError {
  const wait = formatSeconds(decision.retryAfterMs).slice(0, -1);
  const requests = decision.limit === 1 ? 'request' : 'requests';
  const what = scope === 'key' ? 'Rate limit for this API key' : 'Rate limit';
  return new GatewayError(
    'rate_limit_exceeded',
    `${what} reached: ${decision.limit} ${requests} per minute. Try again in ${wait} s.`,
    { retryAfterMs: decision.retryAfterMs, headers: rateLimitHeaders(decision) },
  );
}
