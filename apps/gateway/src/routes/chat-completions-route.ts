// REST adapter for POST /v1/chat/completions: HTTP in, the chat service, JSON or SSE out.
import { Readable } from 'node:stream';
import { parseChatRequest } from '@llm-gateway/contracts';
import type { ChatService } from '@llm-gateway/core';
import type { FastifyPluginAsync } from 'fastify';
import { clientSignal } from '../http/client-signal.js';
import { SSE_HEADERS, sseBody } from '../http/sse-body.js';

export interface ChatCompletionsRouteOptions {
  chat: ChatService;
  defaultModel: string;
}

export const chatCompletionsRoute: FastifyPluginAsync<ChatCompletionsRouteOptions> = async (app, options) => {
  const { chat, defaultModel } = options;

  app.post('/v1/chat/completions', async (request, reply) => {
    const chatRequest = parseChatRequest(request.body);
    request.model = chatRequest.model ?? defaultModel;
    const call = { signal: clientSignal(reply), requestId: request.id };
    const { signal } = call;

    if (chatRequest.stream !== true) return chat.complete(chatRequest, call);

    // Wait for the first chunk before committing to 200: a failure to open the stream is still a
    // proper HTTP error, and nothing reaches the client until the upstream has really started.
    const chunks = chat.stream(chatRequest, call);
    const first = await chunks.next();
    reply.headers(SSE_HEADERS);
    return reply.send(Readable.from(sseBody(first, chunks, { signal, log: request.log })));
  });
};
