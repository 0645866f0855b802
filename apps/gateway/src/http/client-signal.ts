// An AbortSignal that fires when the client goes away before its answer was fully written.
import type { FastifyReply } from 'fastify';

/**
 * Fastify 5's `request.signal` aborts as soon as a request body has been read on Node 20, so the
 * disconnect is derived from the response socket instead (see docs/stack-notes in the team wiki).
 */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
