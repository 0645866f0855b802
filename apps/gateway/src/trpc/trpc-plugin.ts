// Mounts the typed API at /trpc on the gateway's Fastify server (its own scope: tRPC parses its bodies).
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyVerifier } from '../auth/api-keys.js';
import { cacheModeOf } from '../http/cache-mode.js';
import { type AppRouter, type AppRouterOptions, createAppRouter } from './app-router.js';
import { gatewayErrorOf } from './trpc-errors.js';
import type { TrpcContext } from './trpc-init.js';

export const TRPC_PREFIX = '/trpc';

export interface TrpcPluginOptions extends AppRouterOptions {
  verifier: ApiKeyVerifier;
}

export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, options) => {
  const { verifier } = options;
  const router = createAppRouter(options);
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router,
    // Keys are checked here, not in a Fastify hook, so a refusal keeps tRPC's error shape (401).
    createContext: ({ req }): TrpcContext => {
      const client = verifier.verify(req.headers.authorization);
      return {
        requestId: req.id,
        log: req.log,
        cache: cacheModeOf(req.headers['cache-control']),
        clientId: verifier.enabled ? client.keyId : undefined,
      };
    },
    // The same log policy as REST's error handler: unexpected errors in full, other 5xx as warnings.
    onError: ({ error, path, req }) => {
      const gatewayError = gatewayErrorOf(error);
      if (gatewayError.code === 'internal_error')
        req.log.error({ err: error.cause ?? error, path }, 'Unexpected error');
      else if (gatewayError.status >= 500)
        req.log.warn({ code: gatewayError.code, path }, gatewayError.message);
    },
  };
  await app.register(fastifyTRPCPlugin, { prefix: TRPC_PREFIX, trpcOptions });
};
