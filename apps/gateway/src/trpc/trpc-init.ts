// The tRPC instance: context, superjson, SSE settings, and the error shape every procedure answers with.
import type { CacheMode } from '@llm-gateway/core';
import { initTRPC } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import superjson from 'superjson';
import { gatewayErrorData, gatewayErrorOf } from './trpc-errors.js';

export interface TrpcContext {
  requestId: string;
  log: FastifyBaseLogger;
  /** From the request's Cache-Control header, as for REST. */
  cache: CacheMode;
  /** The caller's API key id when keys are on (for the per-key rate limit). */
  clientId: string | undefined;
}

/**
 * Pings keep proxies and the client's inactivity timer from dropping a stream that waits on a slow
 * model; the ping interval must stay below the client's reconnect-after-inactivity.
 */
export const SSE_PING_MS = 10_000;
export const SSE_RECONNECT_AFTER_INACTIVITY_MS = 30_000;

export const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  sse: {
    ping: { enabled: true, intervalMs: SSE_PING_MS },
    client: { reconnectAfterInactivityMs: SSE_RECONNECT_AFTER_INACTIVITY_MS },
  },
  /**
   * The same error table as REST: tRPC code, HTTP status, and the gateway's own code and retryAfter in
   * `data.gateway`. No stack and no internal message ever leaves.
   */
  errorFormatter: ({ error, path }) => {
    const gatewayError = gatewayErrorOf(error);
    const data = gatewayErrorData(gatewayError);
    return {
      message: gatewayError.message,
      code: data.trpcCode,
      data: {
        code: data.trpcKey,
        httpStatus: gatewayError.status,
        ...(path === undefined ? {} : { path }),
        gateway: data.gateway,
      },
    };
  },
});
