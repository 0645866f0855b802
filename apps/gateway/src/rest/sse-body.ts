// Encodes an opened chat stream as the SSE bytes OpenAI clients read: `data: {json}\n\n` … `data: [DONE]\n\n`.
import { Readable } from 'node:stream';
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
 * The body of an SSE answer whose first event is already in hand: each event is pushed as the
 * upstream's own text the moment it arrives (no promise per chunk), and a full socket buffer pauses
 * the upstream until the client reads. A failure after the first event is written as a
 * `data: {"error":…}` event with no `[DONE]`, so no client mistakes a broken stream for a finished one;
 * so is the shutdown deadline. A client that left gets nothing more, and the upstream call ends.
 */
export function sseBody(stream: ChatStream, call: EdgeCall, log: FastifyBaseLogger): Readable {
  let ended = false;
  const body = new Readable({
    read: () => stream.resume(),
    // Torn down before the end (the client left): the stream stops, and the upstream with it.
    destroy: (error, callback) => {
      ended = true;
      stream.cancel();
      callback(error);
    },
  });
  const failWith = (error: unknown) => {
    if (ended) return;
    ended = true;
    if (!call.clientGone()) {
      const mapped = toGatewayError(call.failure(error));
      logFailure(log, { error, mapped, message: 'Stream failed after it began' });
      body.push(encodeSseData(mapped.toJSON()));
    }
    body.push(null);
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
  stream.pipe({
    event: (event) => {
      if (!ended && !body.push(`data: ${event.text}\n\n`)) stream.pause();
    },
    end: () => {
      if (ended) return;
      ended = true;
      body.push(SSE_DONE);
      body.push(null);
    },
    fail: failWith,
  });
  return body;
}
