// Graceful shutdown's last step for open calls: past the deadline they end with `shutting_down`.
import { setMaxListeners } from 'node:events';
import { GatewayError } from '@llm-gateway/contracts';

/** Aborted when the shutdown deadline passes; every call's signal follows it (see edge-call.ts). */
export interface Drain {
  readonly signal: AbortSignal;
  /** Ends every open call: streams get a `shutting_down` error event, waiting calls a 503. */
  end(): void;
}

export function createDrain(): Drain {
  const controller = new AbortController();
  // Every open call listens to it (one listener each, removed when the call ends): many at once is
  // normal, not the leak Node's default limit of 10 warns about.
  setMaxListeners(0, controller.signal);
  return { signal: controller.signal, end: () => controller.abort() };
}

export function shuttingDownError(): GatewayError {
  return new GatewayError('shutting_down', 'The gateway is shutting down; retry the request.', {
    retryAfterMs: 1000,
  });
}
