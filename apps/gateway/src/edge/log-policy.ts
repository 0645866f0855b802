// Which failures are logged, and how: the same for REST, tRPC and a stream that fails after it began.
import type { GatewayError } from '@llm-gateway/contracts';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Unexpected errors in full (the client saw only `internal_error`), other 5xx as warnings with their
 * code; 4xx are the client's business and already in the request line.
 */
export function logFailure(
  log: FastifyBaseLogger,
  failure: { error: unknown; mapped: GatewayError; message?: string },
  fields: Record<string, unknown> = {},
): void {
  const { error, mapped } = failure;
  if (mapped.code === 'internal_error')
    log.error({ err: error, ...fields }, failure.message ?? 'Unexpected error');
  else if (mapped.status >= 500 || failure.message !== undefined)
    log.warn({ code: mapped.code, err: error, ...fields }, failure.message ?? mapped.message);
}
