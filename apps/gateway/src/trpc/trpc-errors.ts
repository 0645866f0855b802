// Maps what a procedure threw (a GatewayError, or tRPC's own input/routing errors) onto the error table.
import {
  ERROR_CODES,
  GatewayError,
  type GatewayErrorCode,
  internalError,
  isGatewayError,
  type TrpcErrorCode,
} from '@llm-gateway/contracts';
import type { TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

/** What a client reads from `error.data.gateway`. */
export interface GatewayErrorData {
  code: GatewayErrorCode;
  status: number;
  type: string;
  param: string | null;
  /** Seconds to wait before trying again, when the gateway knows. */
  retryAfter: number | null;
}

/** tRPC raises these itself, before a procedure runs; each maps to one of our codes. */
function fromTrpcCode(code: TRPCError['code']): GatewayError | undefined {
  switch (code) {
    case 'PARSE_ERROR':
      return new GatewayError('invalid_json', 'The request is not valid JSON.');
    case 'BAD_REQUEST':
      return new GatewayError('invalid_request', 'Invalid request.');
    case 'NOT_FOUND':
      return new GatewayError('not_found', 'No such procedure.');
    case 'METHOD_NOT_SUPPORTED':
      return new GatewayError('invalid_request', 'This procedure is not available with this HTTP method.');
    case 'PAYLOAD_TOO_LARGE':
      return new GatewayError('body_too_large', 'The request body is larger than the gateway accepts.');
    case 'UNSUPPORTED_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', "Send the request body as 'application/json'.");
    case 'CLIENT_CLOSED_REQUEST':
      return new GatewayError('client_closed_request', 'The client closed the request.');
    default:
      return undefined;
  }
}

/** The GatewayError behind a tRPC error; anything unknown is masked as internal_error. */
export function gatewayErrorOf(error: TRPCError): GatewayError {
  if (isGatewayError(error.cause)) return error.cause;
  // Fastify's body limit and a body that is not JSON reach tRPC as the cause of a generic error.
  if ((error.cause as { statusCode?: unknown } | undefined)?.statusCode === 413)
    return fromTrpcCode('PAYLOAD_TOO_LARGE') ?? internalError(error);
  if (error.cause instanceof SyntaxError) return fromTrpcCode('PARSE_ERROR') ?? internalError(error);
  return fromTrpcCode(error.code) ?? internalError(error);
}

export function gatewayErrorData(error: GatewayError): {
  trpcKey: TrpcErrorCode;
  trpcCode: number;
  gateway: GatewayErrorData;
} {
  const trpcKey = ERROR_CODES[error.code].trpc;
  return {
    trpcKey,
    trpcCode: TRPC_ERROR_CODES_BY_KEY[trpcKey],
    gateway: {
      code: error.code,
      status: error.status,
      type: error.type,
      param: error.param,
      retryAfter: error.retryAfter ?? null,
    },
  };
}
