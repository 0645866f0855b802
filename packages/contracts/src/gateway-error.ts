// GatewayError: the one error type that crosses package boundaries, and its OpenAI wire shape.
import { ERROR_CODES, type GatewayErrorCode } from './error-codes.js';

const BRAND = Symbol.for('llm-gateway.GatewayError');

export interface GatewayErrorOptions {
  /** Overrides the table's status (only for an upstream 4xx passed through). */
  status?: number;
  /** The request field at fault, as OpenAI's `param` (e.g. `messages[0].role`). */
  param?: string | null;
  /** How long a client should wait before trying again; sent as `Retry-After` in whole seconds (rounded up). */
  retryAfterMs?: number;
  /** Extra headers the edge should send (e.g. rate-limit headers). */
  headers?: Record<string, string>;
  /** The upstream's HTTP status, when the error came from an upstream answer (drives retry decisions). */
  upstreamStatus?: number;
  cause?: unknown;
}

/** OpenAI's error body: `{ "error": { "message", "type", "param", "code" } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A failure with a code from the error table; safe to show to clients (message holds no secrets). */
export class GatewayError extends Error {
  readonly [BRAND] = true;
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  /** Precise wait in milliseconds (e.g. what the upstream asked for). */
  readonly retryAfterMs: number | undefined;
  /** `Retry-After` in whole seconds, at least 1. */
  readonly retryAfter: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    const entry = ERROR_CODES[code];
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.retryAfterMs = options.retryAfterMs;
    this.retryAfter =
      options.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterMs / 1000));
    this.headers = options.headers;
    this.upstreamStatus = options.upstreamStatus;
  }

  /** The body REST sends and the SSE error event carries. */
  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Brand check that works across package copies, where `instanceof` would not. */
export function isGatewayError(value: unknown): value is GatewayError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * The same error with `headers` added (e.g. the rate-limit state of the call it ended), for an engine
 * that learns a fact after the error was built. Anything that is not a GatewayError is returned as is.
 */
export function withHeaders(error: unknown, headers: Record<string, string> | undefined): unknown {
  if (headers === undefined || !isGatewayError(error)) return error;
  return new GatewayError(error.code, error.message, {
    status: error.status,
    param: error.param,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    headers: { ...headers, ...error.headers },
    ...(error.upstreamStatus === undefined ? {} : { upstreamStatus: error.upstreamStatus }),
    cause: error.cause,
  });
}

/** What a call fails with when its caller went away: nobody is there to read it, but it ends every wait. */
export function clientClosedError(options: { message?: string; cause?: unknown } = {}): GatewayError {
  const { message = 'The client closed the request.', cause } = options;
  return new GatewayError('client_closed_request', message, cause === undefined ? {} : { cause });
}

/** The masked error for anything unexpected: no stack, no internal message. */
export function internalError(cause?: unknown): GatewayError {
  return new GatewayError('internal_error', 'The gateway hit an unexpected error.', { cause });
}
