// GET /metrics/prometheus: the Prometheus text exposition of this instance's registry.
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface PrometheusRouteOptions {
  registry: Registry;
}

export const prometheusRoute: FastifyPluginAsync<PrometheusRouteOptions> = async (app, { registry }) => {
  app.get('/metrics/prometheus', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
};
