// GET /health/ready: readiness for load balancers — 200 when this instance should get traffic, else 503.
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from './readiness.js';

export interface ReadinessRouteOptions {
  readiness: Readiness;
}

export const readinessRoute: FastifyPluginAsync<ReadinessRouteOptions> = async (app, { readiness }) => {
  app.get('/health/ready', async (_request, reply) => {
    const report = await readiness.check();
    return reply
      .code(report.status === 'not_ready' ? 503 : 200)
      .header('cache-control', 'no-store')
      .send(report);
  });
};
