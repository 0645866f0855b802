// buildApp: the Fastify server with the REST routes and the error handling; it never listens itself.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@llm-gateway/contracts';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { GatewayConfig } from './config.js';
import { sendGatewayError } from './http/send-error.js';
import { toGatewayError } from './http/to-gateway-error.js';
import type { GatewayLogger } from './logger.js';
import { chatCompletionsRoute } from './routes/chat-completions-route.js';
import { healthRoute } from './routes/health-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { modelsRoute } from './routes/models-route.js';
import type { GatewayServices } from './services.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model a chat request resolved to, for the request log line. */
    model: string | undefined;
  }
}

export interface BuildAppOptions {
  config: GatewayConfig;
  services: GatewayServices;
  logger: GatewayLogger;
}

export async function buildApp({ config, services, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by the onResponse hook below, with the fields we want.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    // Unique across instances and restarts, unlike Fastify's default counter.
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 5000 },
  });
  app.decorateRequest('model', undefined);
  // The API speaks JSON only: anything else is a clear 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.model === undefined ? {} : { model: request.model }),
      },
      'request completed',
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') request.log.error({ err: error }, 'Unexpected error');
    else if (gatewayError.status >= 500)
      request.log.warn({ code: gatewayError.code, err: error }, gatewayError.message);
    return sendGatewayError(reply, gatewayError);
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendGatewayError(
      reply,
      new GatewayError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );

  await app.register(healthRoute, {
    service: config.service.name,
    version: config.service.version,
    mode: config.upstream.mode,
  });
  await app.register(metricsRoute, { snapshot: services.snapshot });
  await app.register(modelsRoute, { chat: services.chat });
  await app.register(chatCompletionsRoute, {
    chat: services.chat,
    defaultModel: config.upstream.defaultModel,
  });

  app.addHook('onClose', async () => services.close());
  return app;
}
