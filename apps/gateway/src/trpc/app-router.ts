// The typed API's root router; its type (AppRouter) is all the typed client imports from the server.
import type { ChatService, ResumableStreams, TicketStore, UsageMeter } from '@llm-gateway/core';
import type { Drain } from '../edge/drain.js';
import { openEdgeCall } from '../edge/edge-call.js';
import { queryUsage, usageQueryInput } from '../edge/usage-query.js';
import type { HealthBody } from '../health/health-body.js';
import type { MetricsSnapshot } from '../metrics/metrics-snapshot.js';
import { createChatRouter } from './chat-router.js';
import type { Trpc } from './trpc-init.js';

export interface AppRouterOptions {
  chat: ChatService;
  tickets: TicketStore;
  resumable: ResumableStreams;
  drain: Drain;
  health: () => HealthBody;
  snapshot: () => Promise<MetricsSnapshot>;
  /** Undefined with USAGE_ENABLED=false (the `usage` query then answers not_found). */
  usage: UsageMeter | undefined;
}

export function createAppRouter(t: Trpc, options: AppRouterOptions) {
  const { chat, drain } = options;
  return t.router({
    chat: createChatRouter(t, options),
    models: t.router({
      // listModels never fails: an upstream without a model list answers with the default model.
      list: t.procedure.query(async ({ signal, ctx }) => {
        const call = openEdgeCall({ ...ctx, drain, clientSignal: signal });
        try {
          return await chat.listModels(call.options);
        } finally {
          call.end();
        }
      }),
    }),
    health: t.procedure.query(() => options.health()),
    metrics: t.procedure.query(() => options.snapshot()),
    /** The caller's usage by day and model (an admin key: any key's), as GET /v1/usage answers. */
    usage: t.procedure
      .input(usageQueryInput)
      .query(({ input, ctx }) => queryUsage(options.usage, { query: input, caller: ctx.caller })),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
