// The typed API's root router; its type (AppRouter) is all the typed client imports from the server.
import type { ChatService, TicketStore } from '@llm-gateway/core';
import type { HealthBody } from '../health-body.js';
import type { Drain } from '../http/drain.js';
import type { MetricsSnapshot } from '../services.js';
import { createChatRouter } from './chat-router.js';
import { t } from './trpc-init.js';

export interface AppRouterOptions {
  chat: ChatService;
  tickets: TicketStore;
  drain: Drain;
  health: () => HealthBody;
  snapshot: () => Promise<MetricsSnapshot>;
}

export function createAppRouter(options: AppRouterOptions) {
  return t.router({
    chat: createChatRouter(options),
    models: t.router({
      list: t.procedure.query(({ signal, ctx }) =>
        options.chat.listModels({ signal, requestId: ctx.requestId }),
      ),
    }),
    health: t.procedure.query(() => options.health()),
    metrics: t.procedure.query(() => options.snapshot()),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
