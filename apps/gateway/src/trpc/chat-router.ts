// chat.complete, chat.startStream, chat.stream and chat.cancel: the tRPC adapter over the chat service.
import { type ChatCompletionRequest, GatewayError, isGatewayError } from '@llm-gateway/contracts';
import {
  type CacheMode,
  type ChatService,
  type ResumableStreams,
  type TicketStore,
  tailEntries,
} from '@llm-gateway/core';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { Drain } from '../edge/drain.js';
import { openEdgeCall } from '../edge/edge-call.js';
import { startResumable } from '../edge/start-resumable.js';
import { chatInput } from './chat-input.js';
import type { Trpc } from './trpc-init.js';

export interface ChatRouterOptions {
  chat: ChatService;
  tickets: TicketStore;
  resumable: ResumableStreams;
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

const streamId = z.string().min(1).max(100);
const streamInput = z.object({
  streamId,
  /** Sent by tRPC's client on a reconnect (the id of the last event it got); the stream goes on after it. */
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/)
    .nullish(),
});

function streamNotFound(): GatewayError {
  return new GatewayError(
    'stream_not_found',
    'Unknown, expired or already started stream id; call chat.startStream again.',
    { param: 'streamId' },
  );
}

export function createChatRouter(t: Trpc, { chat, tickets, resumable, drain }: ChatRouterOptions) {
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
      const id = await tickets.issue(JSON.stringify(prepared));
      return { streamId: id, expiresInMs: tickets.ttlMs };
    }),

    /**
     * Step two: the chunks, in order, each with its event id, then the end; a failure, before or after
     * the first chunk, is a typed error event. The first subscription claims the ticket and starts the
     * upstream call, which then outlives the connection: a reconnect (tRPC sends `lastEventId`), on this
     * instance or another sharing Redis, continues after the last event it got. A dropped connection
     * keeps the call for STREAM_RESUME_GRACE_MS; `chat.cancel` ends it at once.
     */
    stream: t.procedure.input(streamInput).subscription(async function* ({ input, ctx, signal }) {
      const resuming = typeof input.lastEventId === 'string';
      const stored = resuming ? undefined : await tickets.claim(input.streamId);
      if (stored !== undefined) {
        const prepared = JSON.parse(stored) as PreparedStream;
        // A stream belongs to the key that prepared it; to anyone else it does not exist.
        if (prepared.clientId !== ctx.clientId) throw streamNotFound();
        await startResumable({
          chat,
          resumable,
          drain,
          id: input.streamId,
          request: prepared.request,
          requestId: ctx.requestId,
          cache: prepared.cache,
          clientId: prepared.clientId,
          // The same key prepared it (checked above): its settings are the ones in force now.
          caller: ctx.caller,
          connection: signal,
        });
      }
      const afterSeq = resuming ? Number(input.lastEventId) : 0;
      try {
        const entries = tailEntries(resumable, { id: input.streamId, owner: ctx.clientId, afterSeq }, signal);
        for await (const { seq, event } of entries) yield tracked(String(seq), event.chunk);
      } catch (error) {
        // An id never started (no ticket, no record) stays what it was before resumption: not found.
        if (!resuming && isGatewayError(error) && error.code === 'stream_expired') throw streamNotFound();
        throw error;
      }
    }),

    /**
     * The caller stopped reading (`break`, `abort()`): the upstream call is closed now, not after the
     * grace period a dropped connection gets. Only the key that started the stream may cancel it.
     */
    cancel: t.procedure.input(z.object({ streamId })).mutation(async ({ input, ctx }) => ({
      cancelled: await resumable.cancel(input.streamId, ctx.clientId),
    })),
  });
}
