// GET /health: liveness in the spec's shape, plus which upstream mode the gateway runs in.
import type { FastifyPluginAsync } from 'fastify';

export interface HealthRouteOptions {
  service: string;
  version: string;
  mode: 'real' | 'demo';
}

export const healthRoute: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  const body = {
    status: 'healthy',
    service: options.service,
    version: options.version,
    upstream:
      options.mode === 'demo'
        ? 'demo (embedded simulator; set PROXYAPI_API_KEY for the real upstream)'
        : 'real',
  };
  app.get('/health', async () => body);
};
