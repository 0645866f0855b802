// The counters kept per key, model and day, and the price arithmetic that turns tokens into USD.
import type { TokenUsage } from './token-usage.js';

/**
 * One row of usage. Tokens and cost count only what reached an upstream; a cache hit (or a coalesced
 * follower) adds to `requests`, `cached_requests` and `saved_tokens`. Cost is kept in nano-USD so that
 * sums are exact integers (and Redis can HINCRBY them).
 */
export interface UsageCounts {
  requests: number;
  cached_requests: number;
  /** Streams cut short (or answers without usage): their tokens are estimated. */
  estimated_requests: number;
  /** Requests answered by a model without a price: their cost is unknown. */
  unpriced_requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_prompt_tokens: number;
  total_tokens: number;
  saved_tokens: number;
  cost_nano_usd: number;
}

export type UsageField = keyof UsageCounts;

export const USAGE_FIELDS: readonly UsageField[] = [
  'requests',
  'cached_requests',
  'estimated_requests',
  'unpriced_requests',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'cached_prompt_tokens',
  'total_tokens',
  'saved_tokens',
  'cost_nano_usd',
];

/** USD per 1M tokens of one model (the config's `prices`); `cachedPrompt` absent: the prompt price. */
export interface ModelPrice {
  readonly prompt: number;
  readonly completion: number;
  readonly cachedPrompt?: number | undefined;
}

/** A literal, not built from USAGE_FIELDS: this runs for every answered request. */
export function emptyCounts(): UsageCounts {
  return {
    requests: 0,
    cached_requests: 0,
    estimated_requests: 0,
    unpriced_requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    reasoning_tokens: 0,
    cached_prompt_tokens: 0,
    total_tokens: 0,
    saved_tokens: 0,
    cost_nano_usd: 0,
  };
}

/** Adds `more` into `into` (mutating it) and returns it. */
export function addCounts(into: UsageCounts, more: Readonly<UsageCounts>): UsageCounts {
  for (const field of USAGE_FIELDS) into[field] += more[field];
  return into;
}

/** The cost of `tokens` at `price`, in nano-USD (rounded to the nearest). */
export function costNanoUsd(tokens: TokenUsage, price: ModelPrice): number {
  const fresh = tokens.prompt - tokens.cachedPrompt;
  const usdPerMillion =
    fresh * price.prompt +
    tokens.cachedPrompt * (price.cachedPrompt ?? price.prompt) +
    tokens.completion * price.completion;
  // USD per 1M tokens × tokens / 1e6 × 1e9 nano = × 1000.
  return Math.round(usdPerMillion * 1000);
}

/** The counts of an answer that reached an upstream. */
export function freshCounts(
  tokens: TokenUsage,
  { price, estimated }: { price: ModelPrice | undefined; estimated: boolean },
): UsageCounts {
  return {
    requests: 1,
    cached_requests: 0,
    estimated_requests: estimated ? 1 : 0,
    unpriced_requests: price === undefined ? 1 : 0,
    prompt_tokens: tokens.prompt,
    completion_tokens: tokens.completion,
    reasoning_tokens: tokens.reasoning,
    cached_prompt_tokens: tokens.cachedPrompt,
    total_tokens: tokens.total,
    saved_tokens: 0,
    cost_nano_usd: price === undefined ? 0 : costNanoUsd(tokens, price),
  };
}

/** The counts of an answer the cache (or an identical call) served: what it would have cost, as saved. */
export function savedCounts(tokens: TokenUsage | undefined): UsageCounts {
  return { ...emptyCounts(), requests: 1, cached_requests: 1, saved_tokens: tokens?.total ?? 0 };
}
