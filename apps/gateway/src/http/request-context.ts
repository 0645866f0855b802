// The request a piece of code runs for (AsyncLocalStorage), so every log line of a request carries its id.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

export interface RequestContext {
  reqId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * Runs the rest of each request inside its context. Log lines written through the request's own
 * logger carry `reqId` as a binding already; this covers lines the engine's events write through the
 * root logger (retries, rate limiting, breaker transitions) while serving a request.
 */
export function trackRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    requestContext.run({ reqId: request.id }, done);
  });
}
