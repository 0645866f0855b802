// The one place that says which failures the retry policy may retry and which count against the circuit breaker.
import { type GatewayErrorCode, isGatewayError } from '@llm-gateway/contracts';

/** What a failure means to the resilience policies. */
export interface FailureClassification {
  /** Trying the same request again may succeed (transient upstream trouble). */
  retryable: boolean;
  /** The failure says the upstream is unhealthy, so it counts towards opening the circuit breaker. */
  breakerFailure: boolean;
  /**
   * Another upstream may answer where this one did not: the request moves to the route's next target.
   * Never for the request's own fault (a 4xx the client caused) or a client that left.
   */
  fallback: boolean;
}

const NEITHER: FailureClassification = { retryable: false, breakerFailure: false, fallback: false };
const BOTH: FailureClassification = { retryable: true, breakerFailure: true, fallback: true };
const BREAKER_ONLY: FailureClassification = { retryable: false, breakerFailure: true, fallback: true };
/** This upstream refused before any call was made (its breaker is open, its slots are full): try another. */
const ELSEWHERE: FailureClassification = { retryable: false, breakerFailure: false, fallback: true };

/** Upstream 5xx statuses worth another attempt; others (501, 505, …) will answer the same way again. */
const RETRYABLE_UPSTREAM_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * Classifies a failure for retry and circuit breaker.
 * Only GatewayErrors are understood; anything else is a bug of ours, neither retried nor blamed on the upstream.
 */
export function classifyFailure(error: unknown): FailureClassification {
  if (!isGatewayError(error)) return NEITHER;
  return classifyCode(error.code, error.upstreamStatus);
}

function classifyCode(code: GatewayErrorCode, upstreamStatus: number | undefined): FailureClassification {
  switch (code) {
    case 'upstream_unavailable':
    case 'upstream_timeout':
    case 'upstream_rate_limited':
    case 'upstream_overloaded':
      return BOTH;
    case 'upstream_error':
      // Every upstream 5xx is a sign of ill health; only the transient ones are worth repeating.
      return upstreamStatus !== undefined && RETRYABLE_UPSTREAM_STATUSES.has(upstreamStatus)
        ? BOTH
        : BREAKER_ONLY;
    case 'upstream_bad_response':
      // A garbled answer would likely be garbled again, but a healthy upstream does not send one.
      return BREAKER_ONLY;
    // The request's own fault, the client leaving, or the gateway's own refusals: nothing about upstream health.
    case 'circuit_open':
    case 'overloaded':
      return ELSEWHERE;
    case 'upstream_client_error':
    case 'client_closed_request':
    case 'rate_limit_exceeded':
    case 'invalid_json':
    case 'invalid_request':
    case 'unsupported_media_type':
    case 'body_too_large':
    case 'not_found':
    case 'model_not_found':
    case 'stream_not_found':
    case 'stream_expired':
    case 'permission_denied':
    case 'insufficient_quota':
    case 'token_rate_limit_exceeded':
    case 'rate_limiter_unavailable':
    case 'invalid_api_key':
    case 'shutting_down':
    case 'internal_error':
      return NEITHER;
    default:
      return unclassified(code);
  }
}

/**
 * Compile time: a new code must be classified above. Run time: a code from a newer copy of contracts
 * is treated like an unknown error rather than crashing the request.
 */
function unclassified(_code: never): FailureClassification {
  return NEITHER;
}
