// Writes an opened chat stream as the SSE bytes OpenAI clients read: `data: {json}\n\n` … `data: [DONE]\n\n`.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { clientClosedError } from '@llm-gateway/contracts';
import type { ChatStream } from '@llm-gateway/core';
import type { FastifyBaseLogger } from 'fastify';
import type { EdgeCall } from '../edge/edge-call.js';
import { logFailure } from '../edge/log-policy.js';
import { toGatewayError } from '../edge/to-gateway-error.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Tells nginx-style proxies in front of us not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

export const SSE_DONE = 'data: [DONE]\n\n';

export function encodeSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/**
 * The last event of a stream that failed after it began, plain or resumable: the error in OpenAI's
 * shape (no `[DONE]` follows), logged once by the edge's policy.
 */
export function failureEvent(error: unknown, log: FastifyBaseLogger): string {
  const mapped = toGatewayError(error);
  logFailure(log, { error, mapped, message: 'Stream failed after it began' });
  return encodeSseData(mapped.toJSON());
}

/**
 * Writes an SSE answer whose first event is already in hand straight to the response (the route has
 * hijacked the reply): each event leaves as the upstream's own text the moment it arrives, with no
 * Readable and pipe in between (they cost a buffer copy, events and a GC'd object per chunk), and a
 * full socket buffer pauses the upstream until `drain`. A failure after the first event is written as
 * a `data: {"error":…}` event with no `[DONE]`, so no client mistakes a broken stream for a finished
 * one; so is the shutdown deadline. A client that left gets nothing more, and the upstream call ends.
 */
export function writeSse(
  res: ServerResponse,
  { stream, call, log }: { stream: ChatStream; call: EdgeCall; log: FastifyBaseLogger },
  headers: OutgoingHttpHeaders,
): void {
  let ended = false;
  const close = (last?: string) => {
    ended = true;
    res.off('drain', resume);
    res.end(last);
  };
  const resume = () => stream.resume();
  res.on('drain', resume);
  // Gone before the end (the client left): the stream stops, and the upstream with it.
  res.once('close', () => {
    if (ended) return;
    ended = true;
    res.off('drain', resume);
    stream.cancel();
  });
  const failWith = (error: unknown) => {
    if (ended) return;
    if (call.clientGone()) {
      close();
      return;
    }
    close(failureEvent(call.failure(error), log));
  };
  // The call's signal: the client gone, or the shutdown deadline (a shared stream does not hear of it).
  call.options.signal?.addEventListener(
    'abort',
    () => {
      failWith(clientClosedError());
      stream.cancel();
    },
    { once: true },
  );
  res.writeHead(200, headers);
  stream.pipe({
    event: (event) => {
      if (!ended && !res.write(`data: ${event.text}\n\n`)) stream.pause();
    },
    end: () => {
      if (!ended) close(SSE_DONE);
    },
    fail: failWith,
  });
}
