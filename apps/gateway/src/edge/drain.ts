// Graceful shutdown's last step for open calls: past the deadline they end with `shutting_down`.
import { GatewayError } from '@llm-gateway/contracts';
import { CallAbort, type CallSignal } from '@llm-gateway/core';

/** Aborted when the shutdown deadline passes; every call's signal follows it (see edge-call.ts). */
export interface Drain {
  readonly signal: CallSignal;
  /** Ends every open call: streams get a `shutting_down` error event, waiting calls a 503. */
  end(): void;
}

export function createDrain(): Drain {
  // Every open call listens to it (one listener each, removed when the call ends): a CallAbort adds and
  // removes in O(1), where an AbortSignal's EventTarget scans its listeners (500 open streams: 500).
  const controller = new CallAbort();
  return { signal: controller.signal, end: () => controller.abort() };
}

export function shuttingDownError(): GatewayError {
  return new GatewayError('shutting_down', 'The gateway is shutting down; retry the request.', {
    retryAfterMs: 1000,
  });
}
