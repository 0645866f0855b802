// Encodes an opened chat stream as the SSE bytes OpenAI clients read: `data: {json}\n\n` … `data: [DONE]\n\n`.
import { type ChatStream, chunkJson } from '@llm-gateway/core';
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
 * The body of an SSE answer whose first chunk is already in hand. A failure after that is written as a
 * `data: {"error":…}` event with no `[DONE]`, so no client mistakes a broken stream for a finished one.
 */
export async function* sseBody(
  stream: ChatStream,
  call: EdgeCall,
  log: FastifyBaseLogger,
): AsyncGenerator<string> {
  const { rest } = stream;
  try {
    let next = stream.first;
    while (next.done !== true) {
      yield `data: ${chunkJson(next.value)}\n\n`;
      next = await rest.next();
    }
    yield SSE_DONE;
  } catch (error) {
    if (call.clientGone()) return;
    const mapped = toGatewayError(call.failure(error));
    logFailure(log, { error, mapped, message: 'Stream failed after it began' });
    yield encodeSseData(mapped.toJSON());
  } finally {
    await rest.return(undefined);
  }
}
