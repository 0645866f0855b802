// One mapping from anything thrown at the edge (ours, Fastify's, Node's, tRPC's) onto the error table.
import { clientClosedError, GatewayError, internalError, isGatewayError } from '@llm-gateway/contracts';

/** The edge's own refusals, each worded once whichever transport raises it. */
export const edgeErrors = {
  bodyTooLarge: () =>
    new GatewayError('body_too_large', 'The request body is larger than the gateway accepts.'),
  mediaType: () => new GatewayError('unsupported_media_type', "Send the request body as 'application/json'."),
  emptyBody: () => new GatewayError('invalid_json', 'The request body is empty; send a JSON object.'),
  invalidJson: () => new GatewayError('invalid_json', 'The request body is not valid JSON.'),
  badContentLength: () =>
    new GatewayError('invalid_request', 'The Content-Length header does not match the body.'),
  invalidRequest: () => new GatewayError('invalid_request', 'Invalid request.'),
  wrongMethod: () =>
    new GatewayError('invalid_request', 'This procedure is not available with this HTTP method.'),
  noProcedure: () => new GatewayError('not_found', 'No such procedure.'),
  clientClosed: () => clientClosedError(),
  clientClosedBody: () =>
    clientClosedError({ message: 'The client closed the request before its body ended.' }),
} as const;

/** Fastify's and Node's request-error codes, by the edge error each stands for. */
const FRAMEWORK_CODES: Readonly<Record<string, () => GatewayError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: edgeErrors.bodyTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: edgeErrors.mediaType,
  FST_ERR_CTP_EMPTY_JSON_BODY: edgeErrors.emptyBody,
  FST_ERR_CTP_INVALID_JSON_BODY: edgeErrors.invalidJson,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: edgeErrors.badContentLength,
  // The client stopped sending mid-body (a Content-Length it never filled, a dropped connection).
  ECONNRESET: edgeErrors.clientClosedBody,
  ERR_STREAM_PREMATURE_CLOSE: edgeErrors.clientClosedBody,
};

interface FrameworkLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

/**
 * The GatewayError a thrown value stands for, when it is one of ours or a request error Fastify or
 * Node raised (body parsing, limits, a client that stopped sending); undefined for anything else.
 */
export function recognizeError(error: unknown): GatewayError | undefined {
  if (isGatewayError(error)) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode, message } = error as FrameworkLikeError;
  const known =
    typeof code === 'string' && Object.hasOwn(FRAMEWORK_CODES, code) ? FRAMEWORK_CODES[code] : undefined;
  if (known) return known();
  if (message === 'aborted') return edgeErrors.clientClosedBody();
  if (statusCode === 413) return edgeErrors.bodyTooLarge();
  // Fastify's JSON parser throws a SyntaxError with statusCode 400 (and a 400 for prototype poisoning).
  if (error instanceof SyntaxError || (statusCode === 400 && typeof code !== 'string')) {
    return edgeErrors.invalidJson();
  }
  if (statusCode === 400 && typeof code === 'string' && code.startsWith('FST_ERR_CTP')) {
    return edgeErrors.invalidJson();
  }
  return undefined;
}

/** What a client may see of anything thrown while serving it: unknown errors are masked. */
export function toGatewayError(error: unknown): GatewayError {
  return recognizeError(error) ?? internalError(error);
}
