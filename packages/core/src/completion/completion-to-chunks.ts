// completionToChunks: a complete chat.completion → the chat.completion.chunk sequence a client would have streamed.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionDelta,
} from '@llm-gateway/contracts';

/** Top-level fields that are copied, when present, from a completion to each of its chunks (and back). */
export const COMPLETION_HEADER_FIELDS = ['system_fingerprint', 'service_tier'] as const;

/** Options for {@link completionToChunks}. */
export interface CompletionToChunksOptions {
  /** The request's `stream_options.include_usage`: end with a `choices: []` chunk carrying the usage. */
  includeUsage: boolean;
}

/**
 * Turns a complete answer (e.g. a cache hit) into a valid stream, in OpenAI's order:
 * 1. per choice, one chunk with the whole message as the delta (`role`, `content`, `tool_calls` with their
 *    `index`, `refusal` when non-null) and `finish_reason: null`;
 * 2. per choice, one chunk with `delta: {}` and the choice's `finish_reason`;
 * 3. with `includeUsage`, one chunk with `choices: []` and the completion's usage (`from_cache` as is).
 *
 * Every chunk keeps the completion's id, created, model (and system_fingerprint/service_tier when present).
 * As OpenAI does, with `includeUsage` the other chunks carry `usage: null`; without it no chunk has a
 * `usage` key. A choice's logprobs (if any) ride on its content chunk, so the assembler can rebuild them.
 * The `[DONE]` marker is the caller's to send.
 */
export function completionToChunks(
  completion: ChatCompletion,
  options: CompletionToChunksOptions,
): ChatCompletionChunk[] {
  const { includeUsage } = options;
  const chunks: ChatCompletionChunk[] = [];
  const chunk = (choices: ChatCompletionChunkChoice[]): ChatCompletionChunk => {
    const out: ChatCompletionChunk = {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices,
    };
    for (const field of COMPLETION_HEADER_FIELDS) {
      if (completion[field] !== undefined) out[field] = completion[field];
    }
    if (includeUsage) out.usage = null;
    return out;
  };

  for (const choice of completion.choices) {
    const { message } = choice;
    const delta: ChatCompletionDelta = { role: 'assistant', content: message.content };
    if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
      delta.tool_calls = message.tool_calls.map((call, index) => ({
        index,
        id: call.id,
        type: call.type,
        function: { name: call.function.name, arguments: call.function.arguments },
      }));
    }
    if (typeof message.refusal === 'string') delta.refusal = message.refusal;
    chunks.push(
      chunk([{ index: choice.index, delta, logprobs: choice.logprobs ?? null, finish_reason: null }]),
    );
  }

  for (const choice of completion.choices) {
    // Clients (Vercel's AI SDK) fail a stream in which no chunk has a finish_reason; a stored answer should
    // always have one, but 'stop' is the honest default if it somehow does not.
    const finishReason = choice.finish_reason ?? 'stop';
    chunks.push(chunk([{ index: choice.index, delta: {}, logprobs: null, finish_reason: finishReason }]));
  }

  if (includeUsage) {
    const last = chunk([]);
    last.usage = { ...completion.usage };
    chunks.push(last);
  }
  return chunks;
}
