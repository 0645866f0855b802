// ChunkAssembler: folds a stream of chat.completion.chunk back into the chat.completion it amounts to.
import type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionMessage,
  ChatCompletionToolCall,
  ChatCompletionToolCallDelta,
  ChatCompletionUsage,
} from '@llm-gateway/contracts';
import { COMPLETION_HEADER_FIELDS } from './completion-to-chunks.js';

interface ToolCallState {
  id: string;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceState {
  index: number;
  content: string;
  /** A string `content` (even '') arrived, so '' is an answer and not the absence of one. */
  sawContent: boolean;
  refusal: string | null;
  toolCalls: Map<number, ToolCallState>;
  logprobContent: unknown[] | null;
  logprobRefusal: unknown[] | null;
  sawLogprobs: boolean;
  finishReason: string | null;
}

interface Header {
  id: string;
  created: number;
  model: string;
  extra: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Accumulates the chunks of one streamed answer so that a completed stream can be cached (and later
 * replayed with `completionToChunks`).
 *
 * Content and refusal are concatenated per choice index; tool-call deltas are merged by their `index`
 * (id/type/name from the first delta that has them, arguments concatenated); id/created/model come from the
 * first chunk (system_fingerprint/service_tier from the first that has them); usage from the last chunk with
 * a non-null `usage` (else `{ from_cache: false }`). Logprobs, when streamed, are concatenated too.
 */
export class ChunkAssembler {
  #header: Header | undefined;
  readonly #choices = new Map<number, ChoiceState>();
  #usage: ChatCompletionUsage | undefined;

  /** Adds the next chunk of the stream, in the order it was received. */
  push(chunk: ChatCompletionChunk): void {
    if (this.#header === undefined) {
      this.#header = { id: chunk.id, created: chunk.created, model: chunk.model, extra: {} };
    }
    const { extra } = this.#header;
    for (const field of COMPLETION_HEADER_FIELDS) {
      if (extra[field] === undefined && chunk[field] !== undefined) extra[field] = chunk[field];
    }
    for (const choice of chunk.choices) this.#pushChoice(choice);
    if (isRecord(chunk.usage)) this.#usage = chunk.usage;
  }

  /**
   * The assembled completion, or undefined unless the stream completed: at least one choice was seen and
   * every choice has a non-null finish_reason. A cut-off stream must never be cached as an answer.
   */
  result(): ChatCompletion | undefined {
    const header = this.#header;
    if (header === undefined || this.#choices.size === 0) return undefined;
    const states = [...this.#choices.values()];
    if (states.some((state) => state.finishReason === null)) return undefined;
    states.sort((a, b) => a.index - b.index);

    const usage = this.#usage;
    const completion: ChatCompletion = {
      id: header.id,
      object: 'chat.completion',
      created: header.created,
      model: header.model,
      ...header.extra,
      choices: states.map(toChoice),
      usage:
        usage === undefined
          ? { from_cache: false }
          : { ...usage, from_cache: typeof usage.from_cache === 'boolean' ? usage.from_cache : false },
    };
    return completion;
  }

  #pushChoice(choice: ChatCompletionChunkChoice): void {
    let state = this.#choices.get(choice.index);
    if (state === undefined) {
      state = {
        index: choice.index,
        content: '',
        sawContent: false,
        refusal: null,
        toolCalls: new Map(),
        logprobContent: null,
        logprobRefusal: null,
        sawLogprobs: false,
        finishReason: null,
      };
      this.#choices.set(choice.index, state);
    }
    const { delta } = choice;
    if (typeof delta.content === 'string') {
      state.content += delta.content;
      state.sawContent = true;
    }
    if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
    if (delta.tool_calls !== undefined) {
      for (const callDelta of delta.tool_calls) mergeToolCall(state.toolCalls, callDelta);
    }
    if (isRecord(choice.logprobs)) {
      state.sawLogprobs = true;
      const { content, refusal } = choice.logprobs;
      if (Array.isArray(content)) state.logprobContent = appendAll(state.logprobContent, content);
      if (Array.isArray(refusal)) state.logprobRefusal = appendAll(state.logprobRefusal, refusal);
    }
    // Some OpenAI-compatible servers send '' instead of null on unfinished chunks.
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      state.finishReason = choice.finish_reason;
    }
  }
}

/** Appends in place (one token per chunk: copying the whole list each time would be quadratic). */
function appendAll(target: unknown[] | null, items: readonly unknown[]): unknown[] {
  const out = target ?? [];
  for (const item of items) out.push(item);
  return out;
}

function mergeToolCall(calls: Map<number, ToolCallState>, delta: ChatCompletionToolCallDelta): void {
  let call = calls.get(delta.index);
  if (call === undefined) {
    call = { id: '', type: '', name: '', arguments: '' };
    calls.set(delta.index, call);
  }
  if (call.id === '' && typeof delta.id === 'string') call.id = delta.id;
  if (call.type === '' && typeof delta.type === 'string') call.type = delta.type;
  const fn = delta.function;
  if (fn !== undefined) {
    if (call.name === '' && typeof fn.name === 'string') call.name = fn.name;
    if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
  }
}

function toChoice(state: ChoiceState): ChatCompletionChoice {
  const toolCalls: ChatCompletionToolCall[] = [...state.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({
      id: call.id,
      // Providers that omit `type` on deltas only ever stream function calls.
      type: call.type === '' ? 'function' : call.type,
      function: { name: call.name, arguments: call.arguments },
    }));
  // OpenAI sends content null for an answer that is only tool calls or a refusal; '' only when it said so.
  const content =
    state.content !== ''
      ? state.content
      : toolCalls.length > 0 || state.refusal !== null || !state.sawContent
        ? null
        : '';
  const message: ChatCompletionMessage = { role: 'assistant', content, refusal: state.refusal };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: state.index,
    message,
    logprobs: state.sawLogprobs ? { content: state.logprobContent, refusal: state.logprobRefusal } : null,
    finish_reason: state.finishReason,
  };
}
