// GET /v1/chat/completions/streams/{id}: continues a resumable REST stream after its `Last-Event-ID`.
import { GatewayError } from '@llm-gateway/contracts';
import type { ResumableStreams } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import { resumableSseBody, STREAM_ID_HEADER } from './resumable-sse-body.js';
import { SSE_HEADERS } from './sse-body.js';

export interface ChatStreamsRouteOptions {
  resumable: ResumableStreams;
}

/** The event ids the gateway sends are sequence numbers; no header means "from the first event". */
function afterSeqOf(header: string | string[] | undefined): number {
  if (header === undefined || header === '') return 0;
  if (typeof header === 'string' && /^\d{1,15}$/.test(header)) return Number(header);
  throw new GatewayError('invalid_request', 'Last-Event-ID must be an event id this stream sent.', {
    param: 'Last-Event-ID',
  });
}

/**
 * The gateway's extension for clients that opted in with `x-gateway-resumable: true`: the events after
 * `Last-Event-ID`, in the same SSE framing, then `[DONE]`. Unknown, someone else's, or past
 * STREAM_RESUME_TTL_S: 410 `stream_expired`.
 */
export const chatStreamsRoute: FastifyPluginAsync<ChatStreamsRouteOptions> = async (app, { resumable }) => {
  app.get<{ Params: { id: string } }>('/v1/chat/completions/streams/:id', async (request, reply) => {
    const { id } = request.params;
    const afterSeq = afterSeqOf(request.headers['last-event-id']);
    const body = await resumableSseBody({
      resumable,
      tail: { id, owner: request.client?.keyId, afterSeq },
      log: request.log,
    });
    reply.headers(SSE_HEADERS);
    reply.header(STREAM_ID_HEADER, id);
    return reply.send(body);
  });
};
