// Admission: whether a call may go upstream at all (some target of its route takes calls, the caller's bucket, the shared bucket).
import { type RateLimitDecision, type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { Route } from '../routing/route-table.js';
import type { CallOptions } from './chat-types.js';

/** A call let through, and the bucket to report to its caller. */
export interface Admitted {
  rateLimit: RateLimitDecision | undefined;
}

export interface Admission {
  /** Rejects with `circuit_open` (no target of the route takes calls) or `rate_limit_exceeded`. */
  admit(call: CallOptions, route: Route): Promise<Admitted>;
  /** The bucket's state without spending a token, for answers that cost the upstream nothing. */
  peek(call: CallOptions): Promise<RateLimitDecision | undefined>;
}

export interface AdmissionOptions {
  /** The shared bucket (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** A bucket per caller (`CallOptions.clientId`), checked before the shared one (absent: none). */
  clientRateLimiter?: RateLimiter | undefined;
}

/**
 * The breakers are asked first, without taking a permit (each attempt takes its own), so that a
 * request no upstream would take spends no rate-limit token. The caller's own bucket comes before the
 * shared one: a noisy key is refused before it drains the bucket everyone shares.
 */
export function createAdmission({ rateLimiter, clientRateLimiter }: AdmissionOptions): Admission {
  return {
    async admit(call, route) {
      const refusal = route.refusal(call.requestId);
      if (refusal) throw refusal;
      const { clientId, requestId } = call;
      const own =
        clientRateLimiter && clientId ? await clientRateLimiter.take(clientId, requestId) : undefined;
      if (own && !own.allowed) throw rateLimitedError(own, 'key');
      const shared = rateLimiter ? await rateLimiter.take(undefined, requestId) : undefined;
      if (shared && !shared.allowed) throw rateLimitedError(shared);
      // Headers describe the bucket the caller can act on: its own when there is one.
      return { rateLimit: own ?? shared };
    },

    async peek({ clientId }) {
      if (clientRateLimiter && clientId) return clientRateLimiter.peek(clientId);
      return rateLimiter?.peek();
    },
  };
}
