// REST adapter for POST /v1/chat/completions: HTTP in, the chat service, JSON or SSE out.
import { Readable } from 'node:stream';
import { parseChatRequest } from '@llm-gateway/contracts';
import { type CacheMode, type CallMeta, type ChatService, rateLimitHeaders } from '@llm-gateway/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { clientSignal } from '../http/client-signal.js';
import { SSE_HEADERS, sseBody } from '../http/sse-body.js';

export interface ChatCompletionsRouteOptions {
  chat: ChatService;
  defaultModel: string;
}

/** Headers every chat answer carries, success or error: OpenAI's x-ratelimit-* family and x-cache. */
function applyMetaHeaders(reply: FastifyReply, meta: CallMeta): void {
  if (meta.rateLimit) reply.headers(rateLimitHeaders(meta.rateLimit));
  if (meta.cache) reply.header('x-cache', meta.cache === 'HIT' ? 'HIT' : 'MISS');
}

/** `Cache-Control: no-store` wins over `no-cache`; anything else uses the cache normally. */
export function cacheModeOf(header: string | undefined): CacheMode {
  if (!header) return 'default';
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store')) return 'no-store';
  if (directives.includes('no-cache')) return 'no-cache';
  return 'default';
}

export const chatCompletionsRoute: FastifyPluginAsync<ChatCompletionsRouteOptions> = async (app, options) => {
  const { chat, defaultModel } = options;

  app.post('/v1/chat/completions', async (request, reply) => {
    const chatRequest = parseChatRequest(request.body);
    request.model = chatRequest.model ?? defaultModel;
    const meta: CallMeta = {};
    const call = {
      signal: clientSignal(reply),
      requestId: request.id,
      meta,
      cache: cacheModeOf(request.headers['cache-control']),
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
      return reply.send(Readable.from(sseBody(first, chunks, { signal: call.signal, log: request.log })));
    } catch (error) {
      applyMetaHeaders(reply, meta);
      throw error;
    }
  });
};
