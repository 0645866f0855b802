// GET /v1/models: the upstream's model list, or the default model when it has none.
import type { ChatService } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import { clientSignal } from '../http/client-signal.js';

export interface ModelsRouteOptions {
  chat: ChatService;
}

export const modelsRoute: FastifyPluginAsync<ModelsRouteOptions> = async (app, { chat }) => {
  app.get('/v1/models', async (_request, reply) => chat.listModels({ signal: clientSignal(reply) }));
};
