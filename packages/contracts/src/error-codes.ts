// The gateway's one error table: code → HTTP status → OpenAI error `type` → tRPC error code.

/** tRPC error codes the gateway uses (a subset of TRPC_ERROR_CODE_KEY, kept here so contracts needs no tRPC). */
export type TrpcErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'CLIENT_CLOSED_REQUEST'
  | 'INTERNAL_SERVER_ERROR'
  | 'BAD_GATEWAY'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

export interface ErrorCodeEntry {
  /** Default HTTP status (an upstream 4xx passed through keeps the upstream's own status). */
  readonly status: number;
  /** OpenAI's `error.type`. */
  readonly type: string;
  readonly trpc: TrpcErrorCode;
}

export const ERROR_CODES = {
  invalid_json: { status: 400, type: 'invalid_request_error', trpc: 'BAD_REQUEST' },
  invalid_request: { status: 400, type: 'invalid_request_error', trpc: 'BAD_REQUEST' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  body_too_large: { status: 413, type: 'invalid_request_error', trpc: 'PAYLOAD_TOO_LARGE' },
  not_found: { status: 404, type: 'invalid_request_error', trpc: 'NOT_FOUND' },
  /** The request named a model that is no route's alias (and unknown models are not passed through). */
  model_not_found: { status: 404, type: 'invalid_request_error', trpc: 'NOT_FOUND' },
  /** A tRPC stream id that is unknown, expired or already used (streams start exactly once). */
  stream_not_found: { status: 404, type: 'invalid_request_error', trpc: 'NOT_FOUND' },
  /** A resumable stream past its keep time (STREAM_RESUME_TTL_S): its events are gone, start again. */
  stream_expired: { status: 410, type: 'invalid_request_error', trpc: 'NOT_FOUND' },
  invalid_api_key: { status: 401, type: 'invalid_request_error', trpc: 'UNAUTHORIZED' },
  /** The key may not use this model or read this data (its `models` list, a non-admin asking for another key). */
  permission_denied: { status: 403, type: 'invalid_request_error', trpc: 'FORBIDDEN' },
  /** The key's daily or monthly budget is spent (as OpenAI answers a spent quota); until the period resets. */
  insufficient_quota: { status: 429, type: 'insufficient_quota', trpc: 'TOO_MANY_REQUESTS' },
  /** The key's (or the gateway's) tokens-per-minute bucket cannot cover the request's estimate. */
  token_rate_limit_exceeded: { status: 429, type: 'tokens', trpc: 'TOO_MANY_REQUESTS' },
  rate_limit_exceeded: { status: 429, type: 'requests', trpc: 'TOO_MANY_REQUESTS' },
  /** An upstream 4xx, passed through with the upstream's status and message. */
  upstream_client_error: { status: 400, type: 'invalid_request_error', trpc: 'BAD_REQUEST' },
  /** The upstream answered 429 and asked for a wait longer than we are willing to hold the request. */
  upstream_rate_limited: { status: 429, type: 'requests', trpc: 'TOO_MANY_REQUESTS' },
  /** The upstream answered 503 with a Retry-After longer than we are willing to hold the request. */
  upstream_overloaded: { status: 503, type: 'service_unavailable', trpc: 'SERVICE_UNAVAILABLE' },
  upstream_error: { status: 502, type: 'upstream_error', trpc: 'BAD_GATEWAY' },
  upstream_unavailable: { status: 502, type: 'upstream_error', trpc: 'BAD_GATEWAY' },
  upstream_bad_response: { status: 502, type: 'upstream_error', trpc: 'BAD_GATEWAY' },
  upstream_timeout: { status: 504, type: 'upstream_error', trpc: 'GATEWAY_TIMEOUT' },
  circuit_open: { status: 503, type: 'service_unavailable', trpc: 'SERVICE_UNAVAILABLE' },
  overloaded: { status: 503, type: 'service_unavailable', trpc: 'SERVICE_UNAVAILABLE' },
  shutting_down: { status: 503, type: 'service_unavailable', trpc: 'SERVICE_UNAVAILABLE' },
  /** Redis is unreachable and RATE_LIMIT_REDIS_DOWN=closed: calls are refused until it is back. */
  rate_limiter_unavailable: { status: 503, type: 'service_unavailable', trpc: 'SERVICE_UNAVAILABLE' },
  client_closed_request: { status: 499, type: 'invalid_request_error', trpc: 'CLIENT_CLOSED_REQUEST' },
  internal_error: { status: 500, type: 'server_error', trpc: 'INTERNAL_SERVER_ERROR' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type GatewayErrorCode = keyof typeof ERROR_CODES;
