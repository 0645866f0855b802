// GET /v1/models: the upstream's model list, or the default model when it has none.
import type { ChatService } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import { callSignals } from '../http/client-signal.js';
import type { Drain } from '../http/drain.js';

export interface ModelsRouteOptions {
  chat: ChatService;
  drain: Drain;
}

export const modelsRoute: FastifyPluginAsync<ModelsRouteOptions> = async (app, { chat, drain }) => {
  app.get('/v1/models', async (_request, reply) =>
    chat.listModels({ signal: callSignals(reply, drain).call }),
  );
};
