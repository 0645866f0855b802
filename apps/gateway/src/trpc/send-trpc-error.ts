// Writes a GatewayError as tRPC's error envelope (superjson-wrapped), for errors raised before tRPC runs.
import type { GatewayError } from '@llm-gateway/contracts';
import type { FastifyReply } from 'fastify';
import superjson from 'superjson';
import { trpcErrorShape } from './trpc-errors.js';

/** The same shape the errorFormatter gives tRPC's own errors, so clients parse both alike. */
export function sendTrpcError(
  reply: FastifyReply,
  error: GatewayError,
  path: string | undefined,
): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply
    .code(error.status)
    .type('application/json')
    .send({ error: superjson.serialize(trpcErrorShape(error, path)) });
}
