// Graceful shutdown: refuse new work, let open requests and streams finish until a deadline, then end them.
import type { FastifyInstance } from 'fastify';
import type { Drain } from './edge/drain.js';
import type { Readiness } from './health/readiness.js';

export interface GracefulCloseOptions {
  app: FastifyInstance;
  readiness: Readiness;
  drain: Drain;
  /** How long open requests and streams may run on before they are ended. */
  timeoutMs: number;
}

/**
 * 1. Readiness turns 503 and new requests on open connections get 503 `shutting_down` (see app.ts).
 * 2. `app.close()` stops listening (new connections are refused), closes idle keep-alive connections
 *    and waits for the requests in flight.
 * 3. At the deadline, every open call is ended: streams with a `shutting_down` error event, waiting
 *    calls with a 503, so step 2 completes; then the onClose hooks close Redis.
 */
export async function gracefulClose({
  app,
  readiness,
  drain,
  timeoutMs,
}: GracefulCloseOptions): Promise<void> {
  readiness.markShuttingDown();
  const deadline = setTimeout(() => {
    app.log.warn({ timeout_ms: timeoutMs }, 'Shutdown deadline reached: ending the requests still open');
    drain.end();
  }, timeoutMs);
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
