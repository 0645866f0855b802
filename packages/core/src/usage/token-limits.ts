// Token limits: reserve a request's estimate in the token buckets before the call, settle with its real usage after.
import { GatewayError } from '@llm-gateway/contracts';
import { formatSeconds, type RateLimitDecision, type RateLimiter } from '../rate-limit/rate-limiter.js';
import type { KeyPolicy } from './key-policy.js';
import { estimatePromptTokens } from './token-usage.js';

export interface TokenLimits {
  /** The caller's own bucket (its `tokens_per_minute`), if it has one. */
  forCaller(caller: KeyPolicy): RateLimiter | undefined;
  /** One bucket for the whole gateway (absent: none). */
  global?: RateLimiter | undefined;
  /** Completion tokens reserved for a request that sets no max_tokens. */
  defaultMaxTokens: number;
}

/** Tokens held for one call until it settles. */
export interface TokenReservation {
  estimate: number;
  held: ReadonlyArray<{ limiter: RateLimiter; key: string }>;
  /** The bucket the caller can act on (its own when it has one), after the reservation. */
  decision: RateLimitDecision;
}

/** The request body (the estimate reads messages, max_completion_tokens, max_tokens and n). */
type EstimatedBody = Readonly<Record<string, unknown>>;

const positive = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;

/** Prompt size (estimated) plus the most the answer may use: `max_completion_tokens`, `max_tokens` or the default, per choice. */
export function reservationFor(body: EstimatedBody, defaultMaxTokens: number): number {
  const output = positive(body.max_completion_tokens) ?? positive(body.max_tokens) ?? defaultMaxTokens;
  return estimatePromptTokens(body) + Math.ceil(output) * (positive(body.n) ?? 1);
}

/** OpenAI's token rate-limit headers for a decision. */
export function tokenLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-ratelimit-limit-tokens': String(decision.limit),
    'x-ratelimit-remaining-tokens': String(decision.remaining),
    'x-ratelimit-reset-tokens': formatSeconds(decision.resetMs),
  };
}

function tokenLimitedError(
  decision: RateLimitDecision,
  estimate: number,
  scope: 'key' | 'gateway',
): GatewayError {
  const what = scope === 'key' ? 'Token limit for this API key' : 'Token limit';
  const headers = tokenLimitHeaders(decision);
  // A request larger than the whole bucket would wait forever: say so, without a Retry-After.
  if (estimate > decision.limit) {
    return new GatewayError(
      'token_rate_limit_exceeded',
      `Request too large: it may use ${estimate} tokens (prompt estimate plus max_tokens); the ${what.toLowerCase()} is ${decision.limit} per minute. Lower max_tokens or shorten the prompt.`,
      { param: 'max_tokens', headers },
    );
  }
  return new GatewayError(
    'token_rate_limit_exceeded',
    `${what} reached: ${decision.limit} tokens per minute, this request may use ${estimate}. Try again in ${formatSeconds(decision.retryAfterMs).slice(0, -1)} s.`,
    { retryAfterMs: decision.retryAfterMs, headers },
  );
}

/**
 * Reserves the estimate in the caller's bucket, then the global one; a refusal gives back what was
 * already reserved and throws `token_rate_limit_exceeded` with the token headers. Undefined when no
 * bucket applies.
 */
export async function reserveTokens(
  limits: TokenLimits,
  request: { caller: KeyPolicy | undefined; body: EstimatedBody; requestId?: string | undefined },
): Promise<TokenReservation | undefined> {
  const { caller, body, requestId } = request;
  const own = caller === undefined ? undefined : limits.forCaller(caller);
  const buckets = [
    ...(own && caller ? [{ limiter: own, key: caller.name, scope: 'key' as const }] : []),
    ...(limits.global ? [{ limiter: limits.global, key: 'global', scope: 'gateway' as const }] : []),
  ];
  if (buckets.length === 0) return undefined;
  const estimate = reservationFor(body, limits.defaultMaxTokens);
  const held: Array<{ limiter: RateLimiter; key: string }> = [];
  let shown: RateLimitDecision | undefined;
  for (const { limiter, key, scope } of buckets) {
    const decision = await limiter.reserve(key, estimate, requestId);
    if (!decision.allowed) {
      settleReservation({ estimate, held, decision }, 0);
      throw tokenLimitedError(decision, estimate, scope);
    }
    held.push({ limiter, key });
    shown ??= decision;
  }
  return { estimate, held, decision: shown as RateLimitDecision };
}

/** After the call: the difference between what it used and what was reserved is charged or refunded. Not awaited. */
export function settleReservation(reservation: TokenReservation | undefined, used: number): void {
  if (reservation === undefined) return;
  const delta = used - reservation.estimate;
  for (const { limiter, key } of reservation.held) {
    limiter.settle(key, delta).catch(() => {
      // The limiter falls back on its own; a lost settle only leaves the bucket a little off.
    });
  }
}
