// completionToChunks: a complete chat.completion → the chat.completion.chunk sequence a client would have streamed.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionDelta,
  ChatCompletionMessage,
  ChatCompletionToolCall,
} from '@llm-gateway/contracts';
import { ENVELOPE_FIELDS } from './envelope-fields.js';

/** Message fields a provider streams before the answer (DeepSeek, OpenRouter): replayed first, as sent. */
const REASONING_FIELDS: ReadonlySet<string> = new Set([
  'reasoning_content',
  'reasoning',
  'reasoning_details',
]);

/** Choice fields with a place of their own in a chunk; any other (e.g. `native_finish_reason`) rides on the finish chunk. */
const CHOICE_FIELDS: ReadonlySet<string> = new Set(['index', 'message', 'finish_reason', 'logprobs']);

/** Options for {@link completionToChunks}. */
export interface CompletionToChunksOptions {
  /** The request's `stream_options.include_usage`: end with a `choices: []` chunk carrying the usage. */
  includeUsage: boolean;
}

/** The fields of `record` outside `known` whose value is not null, in their order. */
function extras(record: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (!known.has(key) && value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * A message as stream deltas: reasoning first (when there is any), then the answer — `content`, tool
 * calls with their `index`, a non-null `refusal`, and every other field the provider sent.
 */
function messageDeltas(message: ChatCompletionMessage): ChatCompletionDelta[] {
  const reasoning: ChatCompletionDelta = {};
  const answer: ChatCompletionDelta = { content: message.content };
  for (const key in message) {
    const value = message[key];
    if (key === 'role' || key === 'content' || value === null || value === undefined) continue;
    if (REASONING_FIELDS.has(key)) reasoning[key] = value;
    else if (key === 'tool_calls' && Array.isArray(value)) {
      if (value.length > 0)
        answer.tool_calls = (value as ChatCompletionToolCall[]).map(
          ({ id, type, function: fn, ...rest }, index) => ({
            index,
            id,
            type,
            function: { name: fn.name, arguments: fn.arguments },
            ...rest,
          }),
        );
    } else answer[key] = value;
  }
  if (Object.keys(reasoning).length === 0) return [{ role: 'assistant', ...answer }];
  return [{ role: 'assistant', ...reasoning }, answer];
}

/**
 * Turns a complete answer (e.g. a cache hit) into a valid stream, in OpenAI's order:
 * 1. per choice, its message as deltas (see messageDeltas: the reasoning, then the answer), with
 *    `finish_reason: null`;
 * 2. per choice, one chunk with `delta: {}`, the choice's `finish_reason` and its other fields;
 * 3. with `includeUsage`, one chunk with `choices: []` and the completion's usage (`from_cache` as is).
 *
 * Every chunk keeps the completion's id, created, model and every other top-level field (system_fingerprint,
 * provider, citations, …). As OpenAI does, with `includeUsage` the other chunks carry `usage: null`;
 * without it no chunk has a `usage` key. A choice's logprobs (if any) ride on its answer chunk, so the
 * assembler can rebuild them. The `[DONE]` marker is the caller's to send.
 */
export function completionToChunks(
  completion: ChatCompletion,
  options: CompletionToChunksOptions,
): ChatCompletionChunk[] {
  const { includeUsage } = options;
  const header = extras(completion, ENVELOPE_FIELDS);
  const chunks: ChatCompletionChunk[] = [];
  const chunk = (choices: ChatCompletionChunkChoice[]): ChatCompletionChunk => {
    const out: ChatCompletionChunk = {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices,
      ...header,
    };
    if (includeUsage) out.usage = null;
    return out;
  };

  for (const choice of completion.choices) {
    const deltas = messageDeltas(choice.message);
    deltas.forEach((delta, i) => {
      const last = i === deltas.length - 1;
      chunks.push(
        chunk([
          {
            index: choice.index,
            delta,
            logprobs: last ? (choice.logprobs ?? null) : null,
            finish_reason: null,
          },
        ]),
      );
    });
  }

  for (const choice of completion.choices) {
    // Clients (Vercel's AI SDK) fail a stream in which no chunk has a finish_reason; a stored answer should
    // always have one, but 'stop' is the honest default if it somehow does not.
    const finishReason = choice.finish_reason ?? 'stop';
    chunks.push(
      chunk([
        {
          index: choice.index,
          delta: {},
          logprobs: null,
          finish_reason: finishReason,
          ...extras(choice, CHOICE_FIELDS),
        },
      ]),
    );
  }

  if (includeUsage) {
    const last = chunk([]);
    last.usage = { ...completion.usage };
    chunks.push(last);
  }
  return chunks;
}
