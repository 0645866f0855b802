// REST adapter for GET /v1/usage: the caller's tokens and cost by day and model (see edge/usage-query.ts).
import type { UsageMeter } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import { queryUsage, usageQueryInput } from '../edge/usage-query.js';

export interface UsageRouteOptions {
  usage: UsageMeter | undefined;
}

export const usageRoute: FastifyPluginAsync<UsageRouteOptions> = async (app, { usage }) => {
  app.get('/v1/usage', async (request) => {
    const parsed = usageQueryInput.safeParse(request.query);
    const query = parsed.success ? parsed.data : undefined;
    return queryUsage(usage, { query, caller: request.client?.caller });
  });
};
