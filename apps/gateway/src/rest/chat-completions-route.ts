// REST adapter for POST /v1/chat/completions: HTTP in, the chat service, JSON or SSE out.
import { parseChatRequest } from '@llm-gateway/contracts';
import { type CallFacts, type ChatService, rateLimitHeaders } from '@llm-gateway/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Drain } from '../edge/drain.js';
import { openRestCall } from './rest-call.js';
import { SSE_HEADERS, sseBody } from './sse-body.js';

export interface ChatCompletionsRouteOptions {
  chat: ChatService;
  defaultModel: string;
  drain: Drain;
}

/**
 * Headers every chat answer carries (errors carry their own): OpenAI's x-ratelimit-* family, x-cache,
 * which upstream answered (none for a cache hit) and how many upstream calls this request made.
 */
function applyFacts(reply: FastifyReply, facts: CallFacts): void {
  if (facts.rateLimit) reply.headers(rateLimitHeaders(facts.rateLimit));
  reply.header('x-cache', facts.cache === 'HIT' ? 'HIT' : 'MISS');
  if (facts.upstream !== undefined) reply.header('x-gateway-upstream', facts.upstream);
  reply.header('x-gateway-attempts', String(facts.attempts));
}

export const chatCompletionsRoute: FastifyPluginAsync<ChatCompletionsRouteOptions> = async (app, options) => {
  const { chat, defaultModel, drain } = options;

  app.post('/v1/chat/completions', async (request, reply) => {
    const chatRequest = parseChatRequest(request.body);
    request.model = chatRequest.model ?? defaultModel;
    const call = openRestCall(request, reply, drain);
    try {
      if (chatRequest.stream !== true) {
        const answer = await chat.complete(chatRequest, call.options);
        applyFacts(reply, answer.facts);
        // The upstream's (or the cache's) own bytes, `usage.from_cache` spliced in: nothing re-serialised.
        return reply.type('application/json; charset=utf-8').send(answer.json);
      }
      // chat.stream resolves at the first chunk: a stream that cannot start still gets a proper status.
      const stream = await chat.stream(chatRequest, call.options);
      applyFacts(reply, stream.facts);
      reply.headers(SSE_HEADERS);
      return reply.send(sseBody(stream, call, request.log));
    } catch (error) {
      throw call.failure(error);
    }
  });
};
