// Admission: whether a call may go upstream at all (some target of its route takes calls, the request buckets, the token buckets).
import { type RateLimitDecision, type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { Route } from '../routing/route-table.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { KeyPolicy } from '../usage/key-policy.js';
import { reserveTokens, type TokenLimits, type TokenReservation } from '../usage/token-limits.js';
import type { CallOptions } from './chat-types.js';

/** A call let through, and the buckets to report to its caller. */
export interface Admitted {
  rateLimit: RateLimitDecision | undefined;
  /** Tokens reserved for this call, settled with its usage (absent: no token limit applies). */
  tokens?: TokenReservation | undefined;
}

export interface Admission {
  /**
   * Rejects with `circuit_open` (no target of the route takes calls), `rate_limit_exceeded` or
   * `token_rate_limit_exceeded`.
   */
  admit(call: CallOptions, route: Route, body: UpstreamBody): Promise<Admitted>;
  /** The bucket's state without spending a token, for answers that cost the upstream nothing. */
  peek(call: CallOptions): Promise<RateLimitDecision | undefined>;
}

export interface AdmissionOptions {
  /** The shared bucket (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** A bucket per caller (`CallOptions.clientId`), checked before the shared one (absent: none). */
  clientRateLimiter?: RateLimiter | undefined;
  /** A key's own request bucket (its `requests_per_minute`), used in place of clientRateLimiter. */
  keyRateLimiter?: ((caller: KeyPolicy) => RateLimiter | undefined) | undefined;
  /** Token buckets per key and for the gateway (absent: none). */
  tokenLimits?: TokenLimits | undefined;
}

/**
 * The breakers are asked first, without taking a permit (each attempt takes its own), so that a
 * request no upstream would take spends no rate-limit token. The caller's own bucket comes before the
 * shared one: a noisy key is refused before it drains the bucket everyone shares. Tokens come last, so
 * a refused request holds none.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { rateLimiter, clientRateLimiter, keyRateLimiter, tokenLimits } = options;

  /** The caller's own request bucket and its key in it. */
  function ownBucket(call: CallOptions): { limiter: RateLimiter; key: string } | undefined {
    const { caller, clientId } = call;
    const keyed = caller && keyRateLimiter ? keyRateLimiter(caller) : undefined;
    if (keyed && caller) return { limiter: keyed, key: caller.name };
    return clientRateLimiter && clientId ? { limiter: clientRateLimiter, key: clientId } : undefined;
  }

  return {
    async admit(call, route, body) {
      const refusal = route.refusal(call.requestId);
      if (refusal) throw refusal;
      const { requestId } = call;
      const bucket = ownBucket(call);
      const own = bucket ? await bucket.limiter.take(bucket.key, requestId) : undefined;
      if (own && !own.allowed) throw rateLimitedError(own, 'key');
      const shared = rateLimiter ? await rateLimiter.take(undefined, requestId) : undefined;
      if (shared && !shared.allowed) throw rateLimitedError(shared);
      const tokens = tokenLimits
        ? await reserveTokens(tokenLimits, { caller: call.caller, body, requestId })
        : undefined;
      // Headers describe the bucket the caller can act on: its own when there is one.
      return { rateLimit: own ?? shared, tokens };
    },

    async peek(call) {
      const bucket = ownBucket(call);
      if (bucket) return bucket.limiter.peek(bucket.key);
      return rateLimiter?.peek();
    },
  };
}
