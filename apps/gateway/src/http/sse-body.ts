// Encodes typed chunks as the SSE bytes OpenAI clients read: `data: {json}\n\n` … `data: [DONE]\n\n`.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import { chunkJson } from '@llm-gateway/core';
import type { FastifyBaseLogger } from 'fastify';
import { type Drain, reportedError } from './drain.js';
import { toGatewayError } from './to-gateway-error.js';

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

export interface SseBodyContext {
  /** The client went away: nothing more is written. */
  clientGone: () => boolean;
  /** The shutdown deadline passed: the stream ends with a `shutting_down` error event. */
  drain: Drain;
  log: FastifyBaseLogger;
}

/**
 * The body of an SSE answer whose first chunk is already in hand. A failure after that is written as a
 * `data: {"error":…}` event with no `[DONE]`, so no client mistakes a broken stream for a finished one.
 */
export async function* sseBody(
  first: IteratorResult<ChatCompletionChunk>,
  rest: AsyncIterator<ChatCompletionChunk>,
  context: SseBodyContext,
): AsyncGenerator<string> {
  try {
    let next = first;
    while (next.done !== true) {
      yield `data: ${chunkJson(next.value)}\n\n`;
      next = await rest.next();
    }
    yield SSE_DONE;
  } catch (error) {
    if (context.clientGone()) return;
    const gatewayError = toGatewayError(reportedError(error, context.drain));
    context.log.warn({ err: error, code: gatewayError.code }, 'Stream failed after it began');
    yield encodeSseData(gatewayError.toJSON());
  } finally {
    await rest.return?.();
  }
}
