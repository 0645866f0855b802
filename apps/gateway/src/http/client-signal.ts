// An AbortSignal that fires when the client goes away before its answer was fully written.
import type { FastifyReply } from 'fastify';
import type { Drain } from './drain.js';

/**
 * Fastify 5's `request.signal` aborts as soon as a request body has been read on Node 20, so the
 * disconnect is derived from the response socket instead (see docs/stack-notes in the team wiki).
 */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The two signals a REST call needs: the client's own, and the one the call runs with. */
export interface CallSignals {
  /** The client went away. */
  client: AbortSignal;
  /** The client went away, or the shutdown deadline passed. */
  call: AbortSignal;
}

/**
 * Like clientSignal, plus the shutdown drain, linked by hand: AbortSignal.any costs several times
 * more on Node 20, on every request. The drain listener is removed when the response closes, so the
 * long-lived drain signal does not collect one listener per request.
 */
export function callSignals(reply: FastifyReply, drain: Drain): CallSignals {
  const client = new AbortController();
  const call = new AbortController();
  const onDrain = () => call.abort();
  if (drain.signal.aborted) call.abort();
  else drain.signal.addEventListener('abort', onDrain, { once: true });
  reply.raw.once('close', () => {
    drain.signal.removeEventListener('abort', onDrain);
    if (reply.raw.writableFinished) return;
    client.abort();
    call.abort();
  });
  return { client: client.signal, call: call.signal };
}
