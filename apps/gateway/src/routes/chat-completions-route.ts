// REST adapter for POST /v1/chat/completions: HTTP in, the chat service, JSON or SSE out.
import { Readable } from 'node:stream';
import { parseChatRequest } from '@llm-gateway/contracts';
import { type CallMeta, type ChatService, rateLimitHeaders } from '@llm-gateway/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { cacheModeOf } from '../http/cache-mode.js';
import { callSignals } from '../http/client-signal.js';
import { type Drain, reportedError } from '../http/drain.js';
import { SSE_HEADERS, sseBody } from '../http/sse-body.js';

export interface ChatCompletionsRouteOptions {
  chat: ChatService;
  defaultModel: string;
  drain: Drain;
}

/** Headers every chat answer carries, success or error: OpenAI's x-ratelimit-* family and x-cache. */
function applyMetaHeaders(reply: FastifyReply, meta: CallMeta): void {
  if (meta.rateLimit) reply.headers(rateLimitHeaders(meta.rateLimit));
  if (meta.cache) reply.header('x-cache', meta.cache === 'HIT' ? 'HIT' : 'MISS');
}

export const chatCompletionsRoute: FastifyPluginAsync<ChatCompletionsRouteOptions> = async (app, options) => {
  const { chat, defaultModel, drain } = options;

  app.post('/v1/chat/completions', async (request, reply) => {
    const chatRequest = parseChatRequest(request.body);
    request.model = chatRequest.model ?? defaultModel;
    const meta: CallMeta = {};
    const { call: signal, clientGone } = callSignals(reply, drain);
    const call = {
      signal,
      requestId: request.id,
      meta,
      cache: cacheModeOf(request.headers['cache-control']),
      clientId: request.client?.keyId,
    };
    try {
      if (chatRequest.stream !== true) {
        const completion = await chat.complete(chatRequest, call);
        applyMetaHeaders(reply, meta);
        return completion;
      }
      // Wait for the first chunk before committing to 200: a failure to open the stream is still a
      // proper HTTP error, and nothing reaches the client until the upstream has really started.
      const chunks = chat.stream(chatRequest, call);
      const first = await chunks.next();
      applyMetaHeaders(reply, meta);
      reply.headers(SSE_HEADERS);
      // If the body is torn down before it is first read, sseBody never runs its finally: close the
      // chat stream here too (a no-op once it ended; queued behind a read in progress).
      signal.addEventListener('abort', () => void chunks.return(undefined).catch(() => undefined), {
        once: true,
      });
      return reply.send(Readable.from(sseBody(first, chunks, { clientGone, drain, log: request.log })));
    } catch (error) {
      applyMetaHeaders(reply, meta);
      throw reportedError(error, drain);
    }
  });
};
