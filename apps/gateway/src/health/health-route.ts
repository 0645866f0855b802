// GET /health: liveness in the spec's shape, plus which upstream mode the gateway runs in.
import type { FastifyPluginAsync } from 'fastify';
import type { HealthBody } from './health-body.js';

export interface HealthRouteOptions {
  health: HealthBody;
}

export const healthRoute: FastifyPluginAsync<HealthRouteOptions> = async (app, { health }) => {
  app.get('/health', async () => health);
};
