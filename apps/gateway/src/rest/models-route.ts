// GET /v1/models: the upstream's model list, or the default model when it has none.
import type { ChatService } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import type { Drain } from '../edge/drain.js';
import { openRestCall } from './rest-call.js';

export interface ModelsRouteOptions {
  chat: ChatService;
  drain: Drain;
}

export const modelsRoute: FastifyPluginAsync<ModelsRouteOptions> = async (app, { chat, drain }) => {
  // listModels never fails: an upstream without a model list answers with the default model.
  app.get('/v1/models', async (request, reply) =>
    chat.listModels(openRestCall(request, reply, drain).options),
  );
};
