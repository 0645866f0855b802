// tRPC's side of the error table: what a procedure threw → a GatewayError, and the envelope clients read.
import { ERROR_CODES, type GatewayError, type GatewayErrorCode, internalError } from '@llm-gateway/contracts';
import type { TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { edgeErrors, recognizeError } from '../edge/to-gateway-error.js';

/** What a client reads from `error.data.gateway`. */
export interface GatewayErrorData {
  code: GatewayErrorCode;
  status: number;
  type: string;
  param: string | null;
  /** Seconds to wait before trying again, when the gateway knows. */
  retryAfter: number | null;
}

/** tRPC raises these itself, before a procedure runs; each stands for one of the edge's errors. */
const TRPC_CODES: Partial<Record<TRPCError['code'], () => GatewayError>> = {
  PARSE_ERROR: edgeErrors.invalidJson,
  BAD_REQUEST: edgeErrors.invalidRequest,
  NOT_FOUND: edgeErrors.noProcedure,
  METHOD_NOT_SUPPORTED: edgeErrors.wrongMethod,
  PAYLOAD_TOO_LARGE: edgeErrors.bodyTooLarge,
  UNSUPPORTED_MEDIA_TYPE: edgeErrors.mediaType,
  CLIENT_CLOSED_REQUEST: edgeErrors.clientClosed,
};

/** The GatewayError behind a tRPC error (its cause first: ours, or Fastify's body errors); else masked. */
export function gatewayErrorOf(error: TRPCError): GatewayError {
  return recognizeError(error.cause) ?? TRPC_CODES[error.code]?.() ?? internalError(error);
}

/** The error shape every tRPC answer uses: tRPC's code and status, the gateway's own code in `data.gateway`. */
export function trpcErrorShape(error: GatewayError, path: string | undefined) {
  const trpcKey = ERROR_CODES[error.code].trpc;
  const gateway: GatewayErrorData = {
    code: error.code,
    status: error.status,
    type: error.type,
    param: error.param,
    retryAfter: error.retryAfter ?? null,
  };
  return {
    message: error.message,
    code: TRPC_ERROR_CODES_BY_KEY[trpcKey],
    data: { code: trpcKey, httpStatus: error.status, ...(path === undefined ? {} : { path }), gateway },
  };
}
