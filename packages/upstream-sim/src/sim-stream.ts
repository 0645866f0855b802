// Streamed answers: SSE `chat.completion.chunk` events written one by one, with optional mid-stream faults.
import type { ServerResponse } from 'node:http';
import type { MidStreamFault } from './sim-faults.js';
import type { ResponseLife } from './sim-lifetime.js';
import { answerUsage, type SimAnswer, splitContent, splitWords, toolCallId } from './sim-reply.js';

/** The event a provider sends when it fails mid-stream (OpenAI's error shape inside an SSE event). */
export const MID_STREAM_ERROR_EVENT =
  'data: {"error":{"message":"Simulated upstream failure mid-stream.","type":"server_error","param":null,"code":"server_error"}}\n\n';

/** The event that ends a successful stream. */
export const DONE_EVENT = 'data: [DONE]\n\n';

/** Sends the 200 head of an SSE response (with `x-request-id` when given); the events follow. */
export function openEventStream(res: ServerResponse, requestId?: string): void {
  const head: Record<string, string> = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
  if (requestId !== undefined) head['x-request-id'] = requestId;
  res.writeHead(200, head);
}

/** Deltas after the role chunk: one per content piece (`chunkBy`), or the tool-call pieces. */
export function streamDeltas(answer: SimAnswer): Array<Record<string, unknown>> {
  const { chunks, chunkBy } = answer.settings;
  const toolCalls = answer.toolCalls;
  if (!toolCalls) {
    const pieces = chunkBy === 'words' ? splitWords(answer.content) : splitContent(answer.content, chunks);
    return pieces.map((content) => ({ content }));
  }
  const deltas: Array<Record<string, unknown>> = [];
  toolCalls.forEach((call, index) => {
    const parts = splitContent(call.arguments, chunks);
    // The first piece names the call; later pieces only carry more of the arguments, as OpenAI does.
    deltas.push({
      tool_calls: [
        {
          index,
          id: toolCallId(answer.id, index),
          type: 'function',
          function: { name: call.name, arguments: parts[0] ?? '' },
        },
      ],
    });
    for (let i = 1; i < parts.length; i++) {
      deltas.push({ tool_calls: [{ index, function: { arguments: parts[i] } }] });
    }
  });
  return deltas;
}

/**
 * Writes a streamed answer. Each event is its own `res.write`, so it leaves as soon as it is produced;
 * with `chunkDelayMs` 0 the whole stream is written synchronously (the fast path for benchmarks).
 */
export async function writeStream(
  life: ResponseLife,
  answer: SimAnswer,
  fault: MidStreamFault | undefined,
): Promise<void> {
  const res = life.res;
  // Everything before `"choices":` is identical in every chunk; build it once.
  const head = `data: {"id":${JSON.stringify(answer.id)},"object":"chat.completion.chunk","created":${answer.created},"model":${JSON.stringify(answer.model)},"system_fingerprint":"fp_sim","choices":`;
  const event = (delta: unknown, finishReason: string | null): string =>
    `${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finishReason === null ? 'null' : `"${finishReason}"`}}]}\n\n`;

  openEventStream(res, answer.id);
  const deltas = streamDeltas(answer);
  const stopAt = fault ? Math.min(Math.max(0, fault.afterChunks), deltas.length) : deltas.length;
  const delay = answer.settings.chunkDelayMs;
  let pending = event({ role: 'assistant', content: answer.toolCalls ? null : '' }, null);
  for (let i = 0; i < stopAt; i++) {
    res.write(pending);
    if (delay > 0 && !(await life.sleep(delay))) return;
    if (life.closed) return;
    pending = event(deltas[i], null);
  }
  // `pending` (the last chunk before the fault point) is still unwritten, so a reset can follow its flush.
  if (fault?.kind === 'reset-mid-stream') {
    life.writeThenDestroy(pending);
    return;
  }
  res.write(pending);
  if (fault?.kind === 'hang-mid-stream') return; // Stall; the 'close' listener cleans up when the client leaves.
  if (fault?.kind === 'error-event') {
    res.end(MID_STREAM_ERROR_EVENT);
    return;
  }
  if (delay > 0 && !(await life.sleep(delay))) return;
  res.write(event({}, answer.toolCalls ? 'tool_calls' : 'stop'));
  if (answer.request.includeUsage)
    res.write(`${head}[],"usage":${JSON.stringify(answerUsage(answer, 1))}}\n\n`);
  res.end(DONE_EVENT);
}
