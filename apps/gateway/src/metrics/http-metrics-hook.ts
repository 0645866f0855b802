// The Fastify onResponse hook that counts and times every HTTP request for Prometheus.
import type { FastifyInstance } from 'fastify';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/** Requests that matched no route share one label: raw URLs would let any client grow the series. */
export const NOT_FOUND_ROUTE = 'not_found';

/** Adds the hook on `app` itself (not in a plugin scope), so it sees every route and the 404s. */
export function recordHttpMetrics(app: FastifyInstance, metrics: PrometheusMetrics): void {
  // Callback style: no promise per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest({
      route: request.routeOptions.url ?? NOT_FOUND_ROUTE,
      method: request.method,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
}
