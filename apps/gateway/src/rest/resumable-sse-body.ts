// The SSE body of a resumable REST stream (the gateway's extension): each event with an `id:` line.
import { Readable } from 'node:stream';
import type { AttachInput, Detach, ResumableStreams } from '@llm-gateway/core';
import type { FastifyBaseLogger } from 'fastify';
import { failureEvent, SSE_DONE } from './sse-body.js';

export interface ResumableSseBodyInput {
  resumable: ResumableStreams;
  /** Which stream, for whom, after which event id. */
  tail: AttachInput;
  log: FastifyBaseLogger;
}

/** Response header naming a resumable stream, for `GET /v1/chat/completions/streams/{id}`. */
export const STREAM_ID_HEADER = 'x-gateway-stream-id';

/**
 * `id: <seq>` before each `data:` line, so an EventSource (or any SSE reader) knows the id to send as
 * `Last-Event-ID`; the end is `data: [DONE]` and a failure an error event with no `[DONE]`, as on the
 * plain stream. Rejects with `stream_expired` before anything is sent, so the route can answer 410.
 * A connection that closes only detaches this reader: the stream runs on for a reconnect.
 */
export async function resumableSseBody({ resumable, tail, log }: ResumableSseBodyInput): Promise<Readable> {
  let ended = false;
  let detach: Detach | undefined;
  const body = new Readable({
    read: () => {},
    destroy: (error, callback) => {
      ended = true;
      detach?.();
      callback(error);
    },
  });
  detach = await resumable.attach(tail, {
    entry: ({ seq, event }) => {
      if (!ended) body.push(`id: ${seq}\ndata: ${event.text}\n\n`);
    },
    end: (end) => {
      if (ended) return;
      ended = true;
      if (end.kind === 'end') body.push(SSE_DONE);
      else body.push(failureEvent(end.error, log));
      body.push(null);
    },
  });
  return body;
}
