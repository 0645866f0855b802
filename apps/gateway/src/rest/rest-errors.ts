// REST's error rendering: anything a route or hook throws, and unknown routes, as OpenAI's error body.
import { GatewayError } from '@llm-gateway/contracts';
import type { FastifyInstance } from 'fastify';
import { logFailure } from '../edge/log-policy.js';
import { toGatewayError } from '../edge/to-gateway-error.js';
import { sendRestError } from './send-rest-error.js';

/** On the root scope: the tRPC plugin renders its own errors in its own scope (see trpc-plugin.ts). */
export function renderRestErrors(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toGatewayError(error);
    logFailure(request.log, { error, mapped });
    return sendRestError(reply, mapped);
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendRestError(
      reply,
      new GatewayError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
