// Admission: whether a call may go to the upstream at all (circuit breaker, the caller's bucket, the shared bucket).
import { type RateLimitDecision, type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { BreakerPermit, CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { CallOptions } from './chat-types.js';

/** A call let through: the breaker permit its first upstream attempt uses, and the bucket to report. */
export interface Admitted {
  /** Owned by the call from here on: it must be settled (success, fail or release) exactly once. */
  permit: BreakerPermit | undefined;
  rateLimit: RateLimitDecision | undefined;
}

export interface Admission {
  /** Rejects with `circuit_open` or `rate_limit_exceeded`; a refused call holds no permit. */
  admit(call: CallOptions): Promise<Admitted>;
  /** The bucket's state without spending a token, for answers that cost the upstream nothing. */
  peek(call: CallOptions): Promise<RateLimitDecision | undefined>;
}

export interface AdmissionOptions {
  breaker?: CircuitBreaker | undefined;
  /** The shared bucket (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** A bucket per caller (`CallOptions.clientId`), checked before the shared one (absent: none). */
  clientRateLimiter?: RateLimiter | undefined;
}

/**
 * The breaker is asked first so that a request it refuses spends no rate-limit token on a call that
 * never happens; its permit is then the one the first attempt uses, so the breaker is asked once per
 * attempt. The caller's own bucket comes before the shared one: a noisy key is refused before it drains
 * the bucket everyone shares.
 */
export function createAdmission({ breaker, rateLimiter, clientRateLimiter }: AdmissionOptions): Admission {
  async function takeTokens(call: CallOptions): Promise<RateLimitDecision | undefined> {
    const { clientId, requestId } = call;
    const own = clientRateLimiter && clientId ? await clientRateLimiter.take(clientId, requestId) : undefined;
    if (own && !own.allowed) throw rateLimitedError(own, 'key');
    const shared = rateLimiter ? await rateLimiter.take(undefined, requestId) : undefined;
    if (shared && !shared.allowed) throw rateLimitedError(shared);
    // Headers describe the bucket the caller can act on: its own when there is one.
    return own ?? shared;
  }

  return {
    async admit(call) {
      const permit = breaker?.acquire(call.requestId);
      try {
        return { permit, rateLimit: await takeTokens(call) };
      } catch (error) {
        permit?.release();
        throw error;
      }
    },

    async peek({ clientId }) {
      if (clientRateLimiter && clientId) return clientRateLimiter.peek(clientId);
      return rateLimiter?.peek();
    },
  };
}
