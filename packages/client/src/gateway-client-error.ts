// GatewayClientError: every failure the typed client reports, with the gateway's code, status and retryAfter.
import type { GatewayErrorCode } from '@llm-gateway/contracts';
import type { GatewayErrorData } from '@llm-gateway/gateway/api-types';
import { TRPCClientError } from '@trpc/client';
import { ApiKeyError } from './http-layer.js';
import { networkFailure } from './network-failure.js';

/**
 * Failures the client detects itself, when there is no answer from the gateway to report:
 * `gateway_unreachable` (no connection: nothing was sent), `connection_lost` (the connection closed
 * after the request went out: the gateway may have acted on it), `timeout` (no answer in time).
 */
export type ClientErrorCode =
  | 'gateway_unreachable'
  | 'connection_lost'
  | 'timeout'
  | 'stream_interrupted'
  | 'unexpected_response';

export interface GatewayClientErrorOptions {
  status?: number | null;
  retryAfter?: number | null;
  param?: string | null;
  type?: string;
  cause?: unknown;
}

export class GatewayClientError extends Error {
  /** The gateway's error code (its error table), or one of the client's own. */
  readonly code: GatewayErrorCode | ClientErrorCode;
  /** The HTTP status the gateway answered with; null when no answer arrived. */
  readonly status: number | null;
  /** Seconds to wait before trying again, when the gateway said. */
  readonly retryAfter: number | null;
  /** The request field at fault, e.g. `messages[0].role`. */
  readonly param: string | null;
  /** OpenAI's error `type`, e.g. `invalid_request_error`. */
  readonly type: string;

  constructor(
    code: GatewayErrorCode | ClientErrorCode,
    message: string,
    options: GatewayClientErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayClientError';
    this.code = code;
    this.status = options.status ?? null;
    this.retryAfter = options.retryAfter ?? null;
    this.param = options.param ?? null;
    this.type = options.type ?? 'client_error';
  }
}

interface ErrorData {
  httpStatus?: number;
  gateway?: GatewayErrorData;
}

/** The gateway's own error inside a tRPC client error, if the gateway sent one. */
export function gatewayErrorIn(error: unknown): GatewayClientError | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const gateway = (error.data as ErrorData | null | undefined)?.gateway;
  if (!gateway) return undefined;
  return new GatewayClientError(gateway.code, error.message, {
    status: gateway.status,
    retryAfter: gateway.retryAfter,
    param: gateway.param,
    type: gateway.type,
    cause: error,
  });
}

/** Turns what tRPC's client threw into a GatewayClientError (anything else is returned as is). */
export function toClientError(error: unknown): unknown {
  if (error instanceof GatewayClientError || !(error instanceof TRPCClientError)) return error;
  const fromGateway = gatewayErrorIn(error);
  if (fromGateway) return fromGateway;
  const data = (error.data ?? undefined) as ErrorData | undefined;
  if (data?.httpStatus !== undefined || error.shape !== undefined) {
    return new GatewayClientError('unexpected_response', error.message, {
      status: data?.httpStatus ?? null,
      cause: error,
    });
  }
  // The caller's own apiKey function failed: theirs to handle, reported as they threw it.
  if (error.cause instanceof ApiKeyError) return error.cause.cause;
  // An answer that is not the gateway's (a proxy or load balancer in between): its status is kept.
  const response = (error.meta as { response?: unknown } | undefined)?.response;
  if (response instanceof Response) {
    const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    return new GatewayClientError('unexpected_response', `Unexpected answer (HTTP ${response.status}).`, {
      status: response.status,
      retryAfter: Number.isFinite(seconds) ? seconds : null,
      cause: error,
    });
  }
  // No error shape at all: the request never got an answer.
  return unanswered(error);
}

function unanswered(error: Error): GatewayClientError {
  switch (networkFailure(error)) {
    case 'lost':
      return new GatewayClientError(
        'connection_lost',
        `The connection to the gateway closed after the request was sent; it may have been processed: ${error.message}`,
        { cause: error },
      );
    case 'timeout':
      return new GatewayClientError('timeout', 'The gateway did not answer in time.', { cause: error });
    case 'refused':
    case 'not_connected':
    case undefined:
      // Refused, DNS, or a failure nothing in it explains (kept as before: nothing is known to be sent).
      return new GatewayClientError(
        'gateway_unreachable',
        `The gateway could not be reached: ${error.message}`,
        {
          cause: error,
        },
      );
  }
}
