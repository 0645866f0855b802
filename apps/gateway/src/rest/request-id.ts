// x-request-id: accepted or generated (app.ts genReqId) and sent back on every answer.
import type { FastifyInstance } from 'fastify';

/**
 * Set when the request arrives, so that every answer carries it, errors and refusals included.
 * Log lines carry it too: a request's own logger has it as a binding, and the engine's events pass
 * the request id explicitly. (An AsyncLocalStorage context did this implicitly, but on Node 20 it
 * enables promise hooks, which cost about a quarter of the CPU per request in the benchmark.)
 */
export function sendRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
