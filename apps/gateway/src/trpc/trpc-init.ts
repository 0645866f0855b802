// The tRPC instance: context, superjson, SSE settings, and the error shape every procedure answers with.

import type { CacheMode, KeyPolicy } from '@llm-gateway/core';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { SSE_RECONNECT_AFTER_INACTIVITY_MS } from '../config.js';
import { gatewayErrorOf, trpcErrorShape } from './trpc-errors.js';

/** What a procedure knows of its request; the edge call is opened with the procedure's own signal. */
export interface TrpcContext {
  requestId: string;
  /** From the request's Cache-Control header, as for REST. */
  cache: CacheMode;
  /** The caller's API key id when keys are on (for the per-key rate limit); never the key. */
  clientId: string | undefined;
  /** The caller's key settings (models, limits, budget) and usage name, when keys are on. */
  caller: KeyPolicy | undefined;
}

export interface TrpcOptions {
  /**
   * Pings keep proxies and the client's inactivity timer from dropping a stream that waits on a slow
   * model (`TRPC_SSE_PING_MS`).
   */
  ssePingMs: number;
}

export function createTrpc({ ssePingMs }: TrpcOptions) {
  return initTRPC.context<TrpcContext>().create({
    transformer: superjson,
    sse: {
      ping: { enabled: true, intervalMs: ssePingMs },
      client: { reconnectAfterInactivityMs: SSE_RECONNECT_AFTER_INACTIVITY_MS },
    },
    /** The same error table as REST; no stack and no internal message ever leaves. */
    errorFormatter: ({ error, path }) => trpcErrorShape(gatewayErrorOf(error), path),
  });
}

export type Trpc = ReturnType<typeof createTrpc>;
