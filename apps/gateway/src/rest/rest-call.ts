// The edge call for a REST request: Fastify's request and reply in, the shared EdgeCall out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cacheModeOf } from '../edge/cache-mode.js';
import type { Drain } from '../edge/drain.js';
import { type EdgeCall, openEdgeCall } from '../edge/edge-call.js';

/**
 * Fastify 5's `request.signal` aborts as soon as a request body has been read on Node 20, so the
 * disconnect is derived from the response: closed before it finished writing means the client left.
 */
export function openRestCall(request: FastifyRequest, reply: FastifyReply, drain: Drain): EdgeCall {
  const call = openEdgeCall({
    requestId: request.id,
    cache: cacheModeOf(request.headers['cache-control']),
    clientId: request.client?.keyId,
    caller: request.client?.caller,
    drain,
  });
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) call.end();
    else call.clientLeft();
  });
  return call;
}
