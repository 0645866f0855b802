// Turns anything thrown while serving a request into a GatewayError a client may see; unknown errors are masked.
import { GatewayError, internalError, isGatewayError } from '@llm-gateway/contracts';

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

/** Maps Fastify's own request errors (body parsing, limits) and masks everything unexpected. */
export function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('body_too_large', 'The request body is larger than the gateway accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', "Send the request body as 'application/json'.");
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.');
    default:
      break;
  }
  // The client stopped sending mid-body (a Content-Length it never filled, a dropped connection).
  if (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error as Error)?.message === 'aborted'
  ) {
    return new GatewayError('client_closed_request', 'The client closed the request before its body ended.');
  }
  // Fastify's JSON parser throws a SyntaxError with statusCode 400 (and a 400 for prototype poisoning).
  if (error instanceof SyntaxError || (statusCode === 400 && typeof code !== 'string')) {
    return new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  if (statusCode === 400 && typeof code === 'string' && code.startsWith('FST_ERR_CTP')) {
    return new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  return internalError(error);
}
