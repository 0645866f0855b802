// chat.complete, chat.startStream and chat.stream: the tRPC adapter over the chat service.
import { type ChatCompletionRequest, GatewayError } from '@llm-gateway/contracts';
import { type CacheMode, type ChatService, chunksOf, type TicketStore } from '@llm-gateway/core';
import { z } from 'zod';
import type { Drain } from '../edge/drain.js';
import { openEdgeCall } from '../edge/edge-call.js';
import { chatInput } from './chat-input.js';
import type { Trpc } from './trpc-init.js';

export interface ChatRouterOptions {
  chat: ChatService;
  tickets: TicketStore;
  drain: Drain;
}

/**
 * Everything about the call is fixed when it is prepared: the EventSource's own request carries
 * `Cache-Control: no-cache` by design, which must not turn the cache off for the stream.
 */
interface PreparedStream {
  request: ChatCompletionRequest;
  cache: CacheMode;
  clientId: string | undefined;
}

const streamInput = z.object({ streamId: z.string().min(1).max(100) });

export function createChatRouter(t: Trpc, { chat, tickets, drain }: ChatRouterOptions) {
  return t.router({
    /** One complete answer, `usage.from_cache` included. */
    complete: t.procedure.input(chatInput).mutation(async ({ input, ctx, signal }) => {
      const call = openEdgeCall({ ...ctx, drain, clientSignal: signal });
      try {
        return (await chat.complete(input, call.options)).completion;
      } catch (error) {
        throw call.failure(error);
      } finally {
        call.end();
      }
    }),

    /**
     * Step one of a stream: the request travels in a POST body (a subscription's input goes in the URL,
     * which long chat histories overflow) and comes back as an id that `chat.stream` claims once.
     */
    startStream: t.procedure.input(chatInput).mutation(async ({ input, ctx }) => {
      chat.validate(input);
      const prepared: PreparedStream = { request: input, cache: ctx.cache, clientId: ctx.clientId };
      const streamId = await tickets.issue(JSON.stringify(prepared));
      return { streamId, expiresInMs: tickets.ttlMs };
    }),

    /**
     * Step two: the chunks, in order, then the end. A failure, before or after the first chunk, is a
     * typed error event. Unsubscribing or disconnecting aborts the upstream call through `signal`.
     */
    stream: t.procedure.input(streamInput).subscription(async function* ({ input, ctx, signal }) {
      const stored = await tickets.claim(input.streamId);
      const prepared = stored === undefined ? undefined : (JSON.parse(stored) as PreparedStream);
      // A stream belongs to the key that prepared it; to anyone else it does not exist.
      if (prepared === undefined || prepared.clientId !== ctx.clientId) {
        throw new GatewayError(
          'stream_not_found',
          'Unknown, expired or already started stream id; call chat.startStream again.',
          { param: 'streamId' },
        );
      }
      const { request, cache, clientId } = prepared;
      request.stream = true;
      const call = openEdgeCall({ requestId: ctx.requestId, cache, clientId, drain, clientSignal: signal });
      try {
        yield* chunksOf(await chat.stream(request, call.options), call.options.signal);
      } catch (error) {
        throw call.failure(error);
      } finally {
        call.end();
      }
    }),
  });
}
