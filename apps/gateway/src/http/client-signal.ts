// The REST call signal: fires when the client goes away before its answer was written, or at the shutdown deadline.
import type { FastifyReply } from 'fastify';
import type { Drain } from './drain.js';

/** What a REST call needs to know about its client and the shutdown. */
export interface CallSignals {
  /** Aborts when the client goes away or the shutdown deadline passes: the call's signal. */
  call: AbortSignal;
  /** True once the client went away (nothing more can be written). */
  clientGone(): boolean;
}

/**
 * Fastify 5's `request.signal` aborts as soon as a request body has been read on Node 20, so the
 * disconnect is derived from the response instead.
 *
 * One controller per call, fed by the client's disconnect and the shutdown drain, linked by hand:
 * AbortSignal.any, or a second controller, cost measurably on every request on Node 20. The drain
 * listener is removed when the response closes, so the long-lived drain signal does not collect one
 * listener per request.
 */
export function callSignals(reply: FastifyReply, drain: Drain): CallSignals {
  const call = new AbortController();
  let gone = false;
  const onDrain = () => call.abort();
  if (drain.signal.aborted) call.abort();
  else drain.signal.addEventListener('abort', onDrain, { once: true });
  reply.raw.once('close', () => {
    drain.signal.removeEventListener('abort', onDrain);
    if (reply.raw.writableFinished) return;
    gone = true;
    call.abort();
  });
  return { call: call.signal, clientGone: () => gone };
}
