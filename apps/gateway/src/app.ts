// buildApp: the Fastify server with the REST routes, the tRPC API and the error handling; it never listens itself.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { createApiKeyVerifier } from './auth/api-keys.js';
import { requireApiKey } from './auth/require-api-key.js';
import type { GatewayConfig } from './config.js';
import { createDrain, shuttingDownError } from './edge/drain.js';
import { healthBody } from './health/health-body.js';
import { healthRoute } from './health/health-route.js';
import type { Readiness } from './health/readiness.js';
import { readinessRoute } from './health/readiness-route.js';
import type { GatewayLogger } from './logger.js';
import { recordHttpMetrics } from './metrics/http-metrics-hook.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { prometheusRoute } from './metrics/prometheus-route.js';
import { logRequests } from './request-log.js';
import { chatCompletionsRoute } from './rest/chat-completions-route.js';
import { chatStreamsRoute } from './rest/chat-streams-route.js';
import { onClientError, onFrameworkError } from './rest/framework-errors.js';
import { modelsRoute } from './rest/models-route.js';
import { sendRequestId } from './rest/request-id.js';
import { renderRestErrors } from './rest/rest-errors.js';
import { usageRoute } from './rest/usage-route.js';
import type { GatewayServices } from './services.js';
import { gracefulClose } from './shutdown.js';
import { trpcPlugin } from './trpc/trpc-plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model a chat request resolved to, for the request log line. */
    model: string | undefined;
  }
  interface FastifyInstance {
    /** Graceful shutdown (SIGTERM): see shutdown.ts. */
    gracefulClose(timeoutMs: number): Promise<void>;
  }
}

/**
 * Once shutdown began, a request on a connection that was already open is refused with 503 and
 * `Connection: close`, so the client retries elsewhere; /health and /health/ready still answer.
 */
function refuseWhileClosing(app: FastifyInstance, readiness: Readiness): void {
  // Callback-style hooks here and below: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (!readiness.shuttingDown || request.routeOptions.url?.startsWith('/health')) {
      done();
      return;
    }
    reply.header('connection', 'close');
    done(shuttingDownError());
  });
  // server.close() closes the connections idle at that moment; one whose last answer ends later
  // would otherwise hold the process open until its keep-alive timeout.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (readiness.shuttingDown) setImmediate(() => app.server.closeIdleConnections());
    done();
  });
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
    // Requests that arrive while closing get our own 503 in OpenAI's shape (hook below), not Fastify's.
    return503OnClosing: false,
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const drain = createDrain();
  app.decorate('gracefulClose', (timeoutMs: number) =>
    gracefulClose({ app, readiness: services.readiness, drain, timeoutMs }),
  );
  app.decorateRequest('model', undefined);
  sendRequestId(app);
  refuseWhileClosing(app, services.readiness);
  const verifier = createApiKeyVerifier(config.auth.apiKeys, config.access.keys);
  requireApiKey(app, { verifier, protectMetrics: config.auth.protectMetrics });
  // The API speaks JSON only: anything else is a clear 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  logRequests(app, services.requestLines);
  recordHttpMetrics(app, services.metrics);

  renderRestErrors(app);

  const health = healthBody({
    service: config.service.name,
    version: config.service.version,
    mode: config.upstream.mode,
  });
  await app.register(healthRoute, { health });
  await app.register(readinessRoute, { readiness: services.readiness });
  await app.register(metricsRoute, { snapshot: services.snapshot });
  await app.register(prometheusRoute, { registry: services.metrics.registry });
  await app.register(modelsRoute, { chat: services.chat, drain });
  await app.register(usageRoute, { usage: services.usage });
  await app.register(chatCompletionsRoute, {
    chat: services.chat,
    defaultModel: config.upstream.defaultModel,
    drain,
    resumable: services.resumable,
  });
  await app.register(chatStreamsRoute, { resumable: services.resumable });
  await app.register(trpcPlugin, {
    verifier,
    ssePingMs: config.trpc.ssePingMs,
    drain,
    chat: services.chat,
    tickets: services.tickets,
    resumable: services.resumable,
    health: () => health,
    snapshot: services.snapshot,
    usage: services.usage,
  });

  app.addHook('onClose', async () => services.close());
  return app;
}
