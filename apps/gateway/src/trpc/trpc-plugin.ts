// Mounts the typed API at /trpc on the gateway's Fastify server, in its own scope with its own error rendering.
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyVerifier } from '../auth/api-keys.js';
import { cacheModeOf } from '../edge/cache-mode.js';
import { logFailure } from '../edge/log-policy.js';
import { toGatewayError } from '../edge/to-gateway-error.js';
import { type AppRouter, type AppRouterOptions, createAppRouter } from './app-router.js';
import { sendTrpcError } from './send-trpc-error.js';
import { gatewayErrorOf } from './trpc-errors.js';
import { createTrpc, type TrpcContext, type TrpcOptions } from './trpc-init.js';

export const TRPC_PREFIX = '/trpc';

export interface TrpcPluginOptions extends AppRouterOptions, TrpcOptions {
  verifier: ApiKeyVerifier;
}

/**
 * Registered without fastify-plugin on purpose: tRPC swaps the JSON parser for its scope, and the
 * error handler set here answers what Fastify refuses before tRPC runs (a body too large or not JSON,
 * a request during shutdown) in tRPC's envelope, which the typed client can read.
 */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, options) => {
  const { verifier } = options;
  const router = createAppRouter(createTrpc(options), options);
  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toGatewayError(error);
    logFailure(request.log, { error, mapped });
    return sendTrpcError(reply, mapped, (request.params as { path?: string } | undefined)?.path);
  });
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router,
    // Keys are checked here, not in a Fastify hook, so a refusal keeps tRPC's error shape (401).
    createContext: ({ req }): TrpcContext => {
      const client = verifier.verify(req.headers.authorization);
      return {
        requestId: req.id,
        cache: cacheModeOf(req.headers['cache-control']),
        clientId: verifier.enabled ? client.keyId : undefined,
        caller: verifier.enabled ? client.caller : undefined,
      };
    },
    onError: ({ error, path, req }) => {
      logFailure(req.log, { error: error.cause ?? error, mapped: gatewayErrorOf(error) }, { path });
    },
  };
  await app.register(fastifyTRPCPlugin, { prefix: TRPC_PREFIX, trpcOptions });
};
