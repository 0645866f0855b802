// The REST side of inbound auth: an onRequest hook on /v1/* (and the metrics routes when asked).
import type { FastifyInstance } from 'fastify';
import type { ApiKeyVerifier, ClientIdentity } from './api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, once the API key was checked; undefined when keys are off or the route is open. */
    client: ClientIdentity | undefined;
  }
}

export interface RequireApiKeyOptions {
  verifier: ApiKeyVerifier;
  protectMetrics: boolean;
}

/**
 * Decided on the matched route pattern, not the raw URL, so an encoded or oddly spelt path cannot
 * slip past: a path that matches no route gets its 404 and nothing else. /trpc checks keys in its
 * own context so that its errors keep tRPC's shape; /health stays open for probes.
 */
function isProtected(route: string | undefined, protectMetrics: boolean): boolean {
  if (route === undefined) return false;
  if (route.startsWith('/v1/')) return true;
  return protectMetrics && (route === '/metrics' || route.startsWith('/metrics/'));
}

export function requireApiKey(
  app: FastifyInstance,
  { verifier, protectMetrics }: RequireApiKeyOptions,
): void {
  app.decorateRequest('client', undefined);
  if (!verifier.enabled) return;
  app.addHook('onRequest', (request, _reply, done) => {
    if (!isProtected(request.routeOptions.url, protectMetrics)) {
      done();
      return;
    }
    try {
      request.client = verifier.verify(request.headers.authorization);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
