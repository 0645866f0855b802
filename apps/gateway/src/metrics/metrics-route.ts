// GET /metrics: the spec's JSON snapshot of breaker, limiter, cache and streaming state.
import type { FastifyPluginAsync } from 'fastify';
import type { MetricsSnapshot } from './metrics-snapshot.js';

export interface MetricsRouteOptions {
  snapshot: () => Promise<MetricsSnapshot>;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, { snapshot }) => {
  app.get('/metrics', async () => snapshot());
};
