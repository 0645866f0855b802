// Token-bucket arithmetic: pure functions shared by the in-memory store and the limiter's decisions.

/** One bucket: how many tokens it held at `updatedMs` (fractional, at most capacity; below 0 only after a settle). */
export interface BucketState {
  tokens: number;
  updatedMs: number;
}

/**
 * Slack for floating-point error, in tokens. 600 ms × (100 / 60000) lands a hair either side of 1, so
 * comparisons and roundings allow for it; nothing real is ever a billionth of a token.
 * The Redis Lua script uses the same value, so both backends decide identically.
 */
export const TOKEN_EPSILON = 1e-9;

/** The refill rate, in tokens per millisecond, of a bucket that refills `requestsPerMinute` tokens a minute. */
export function refillPerMsFor(requestsPerMinute: number): number {
  return requestsPerMinute / 60_000;
}

/** A bucket nobody has used yet: full. */
export function fullBucket(capacity: number, nowMs: number): BucketState {
  return { tokens: capacity, updatedMs: nowMs };
}

/**
 * The bucket at `nowMs`: tokens grow continuously at `refillPerMs`, capped at `capacity`.
 * A clock that stepped backwards adds nothing (and re-bases the bucket at the new time).
 */
export function refill(
  state: BucketState,
  nowMs: number,
  { capacity, refillPerMs }: { capacity: number; refillPerMs: number },
): BucketState {
  const elapsedMs = Math.max(0, nowMs - state.updatedMs);
  return { tokens: Math.min(capacity, state.tokens + elapsedMs * refillPerMs), updatedMs: nowMs };
}

/** Whether `tokens` covers `cost` (within TOKEN_EPSILON). */
export function hasTokens(tokens: number, cost: number): boolean {
  return tokens + TOKEN_EPSILON >= cost;
}

/** The outcome of trying to spend `cost` tokens from an already refilled bucket. */
export interface TakeOutcome {
  allowed: boolean;
  state: BucketState;
}

/**
 * Spends `cost` tokens if the bucket holds them; otherwise leaves it as it is.
 * Never goes below zero: a take allowed within TOKEN_EPSILON would otherwise leave a hair under it.
 */
export function takeTokens(state: BucketState, cost: number): TakeOutcome {
  if (!hasTokens(state.tokens, cost)) return { allowed: false, state };
  return { allowed: true, state: { tokens: Math.max(0, state.tokens - cost), updatedMs: state.updatedMs } };
}

/**
 * Applies a settle: a refund (negative cost) up to capacity, or a charge past zero into debt, bounded at
 * -capacity so one huge answer cannot lock a key out for longer than two refills.
 */
export function settleTokens(state: BucketState, cost: number, capacity: number): BucketState {
  return { tokens: Math.min(capacity, Math.max(-capacity, state.tokens - cost)), updatedMs: state.updatedMs };
}

/** Whole milliseconds (rounded up) until a bucket holding `tokens` holds `wanted`; 0 if it already does. */
export function msUntilTokens(tokens: number, wanted: number, refillPerMs: number): number {
  const missing = wanted - tokens - TOKEN_EPSILON;
  if (missing <= 0) return 0;
  return Math.ceil(missing / refillPerMs);
}

/** Whole tokens a client may still spend: the floor of `tokens` (within TOKEN_EPSILON), never negative. */
export function wholeTokens(tokens: number): number {
  return Math.max(0, Math.floor(tokens + TOKEN_EPSILON));
}
