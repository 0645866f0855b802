// GatewayClientError: every failure the typed client reports, with the gateway's code, status and retryAfter.
import type { GatewayErrorCode } from '@llm-gateway/contracts';
import type { GatewayErrorData } from '@llm-gateway/gateway/api-types';
import { TRPCClientError } from '@trpc/client';

/** Failures the client detects itself, when there is no answer from the gateway to report. */
export type ClientErrorCode = 'gateway_unreachable' | 'stream_interrupted' | 'unexpected_response';

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
  // No error shape at all: the request never got an answer (refused, reset, DNS, TLS).
  return new GatewayClientError('gateway_unreachable', `The gateway could not be reached: ${error.message}`, {
    cause: error,
  });
}
