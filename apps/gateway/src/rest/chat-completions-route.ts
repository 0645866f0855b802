// REST adapter for POST /v1/chat/completions: HTTP in, the chat service, JSON or SSE out (resumable on request).
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { parseChatRequest } from '@llm-gateway/contracts';
import {
  type CallFacts,
  type ChatService,
  type ResumableStreams,
  rateLimitHeaders,
  tokenLimitHeaders,
} from '@llm-gateway/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { cacheModeOf } from '../edge/cache-mode.js';
import type { Drain } from '../edge/drain.js';
import { startResumable } from '../edge/start-resumable.js';
import { openRestCall } from './rest-call.js';
import { resumableSseBody, STREAM_ID_HEADER } from './resumable-sse-body.js';
import { SSE_HEADERS, writeSse } from './sse-body.js';

export interface ChatCompletionsRouteOptions {
  chat: ChatService;
  defaultModel: string;
  drain: Drain;
  resumable: ResumableStreams;
}

/** The gateway's opt-in header for a stream that survives a dropped connection. */
const RESUMABLE_HEADER = 'x-gateway-resumable';

/**
 * Headers every chat answer carries (errors carry their own): OpenAI's x-ratelimit-* family (requests,
 * and tokens when a token limit applies), x-cache,
 * which upstream answered (none for a cache hit) and how many upstream calls this request made.
 */
function applyFacts(reply: FastifyReply, facts: CallFacts): void {
  if (facts.rateLimit) reply.headers(rateLimitHeaders(facts.rateLimit));
  if (facts.tokenLimit) reply.headers(tokenLimitHeaders(facts.tokenLimit));
  reply.header('x-cache', facts.cache === 'HIT' ? 'HIT' : 'MISS');
  if (facts.upstream !== undefined) reply.header('x-gateway-upstream', facts.upstream);
  reply.header('x-gateway-attempts', String(facts.attempts));
}

export const chatCompletionsRoute: FastifyPluginAsync<ChatCompletionsRouteOptions> = async (app, options) => {
  const { chat, defaultModel, drain, resumable } = options;

  app.post('/v1/chat/completions', async (request, reply) => {
    const chatRequest = parseChatRequest(request.body);
    request.model = chatRequest.model ?? defaultModel;
    if (chatRequest.stream === true && request.headers[RESUMABLE_HEADER] === 'true') {
      // Opt-in only: without the header nothing below changes, not a byte on the wire.
      const id = randomUUID();
      const connection = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) connection.abort();
      });
      const clientId = request.client?.keyId;
      const facts = await startResumable({
        chat,
        resumable,
        drain,
        id,
        request: chatRequest,
        requestId: request.id,
        cache: cacheModeOf(request.headers['cache-control']),
        clientId,
        caller: request.client?.caller,
        connection: connection.signal,
      });
      applyFacts(reply, facts);
      const body = await resumableSseBody({
        resumable,
        tail: { id, owner: clientId, afterSeq: 0 },
        log: request.log,
      });
      reply.headers(SSE_HEADERS);
      reply.header(STREAM_ID_HEADER, id);
      return reply.send(body);
    }
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
      // Written to the socket directly (Fastify's onResponse hooks, the log line and metrics, still run).
      reply.hijack();
      writeSse(reply.raw, { stream, call, log: request.log }, reply.getHeaders() as OutgoingHttpHeaders);
      return reply;
    } catch (error) {
      throw call.failure(error);
    }
  });
};
