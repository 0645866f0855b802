// Writes a GatewayError as OpenAI's error body with its status, Retry-After and extra headers.
import type { GatewayError } from '@llm-gateway/contracts';
import type { FastifyReply } from 'fastify';

export function sendRestError(reply: FastifyReply, error: GatewayError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  if (error.headers) reply.headers(error.headers);
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
}
