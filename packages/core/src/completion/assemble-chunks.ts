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
import { ENVELOPE_FIELDS } from './envelope-fields.js';

/** Fields of a stream choice with a meaning of their own; any other field is kept as the provider's. */
const CHOICE_FIELDS: ReadonlySet<string> = new Set(['index', 'delta', 'finish_reason', 'logprobs']);

interface ChoiceState {
  index: number;
  /** The message as folded so far: strings concatenated, arrays appended, other values last non-null. */
  message: Record<string, unknown>;
  /**
   * A string field's pieces once it has more than one, joined in `result()`: `before + value` per token
   * kept a cons-string node per token alive for the whole stream, live data every young-generation GC
   * copies again for every open stream. `message` keeps the first piece, so the fields keep their order.
   */
  pieces: Map<string, string[]> | undefined;
  /** A string `content` (even '') arrived, so '' is an answer and not the absence of one. */
  sawContent: boolean;
  toolCalls: Map<number, ChatCompletionToolCall>;
  logprobs: Record<string, unknown[] | null> | null;
  /** Provider fields of the choice itself (e.g. OpenRouter's `native_finish_reason`): last non-null. */
  extra: Record<string, unknown>;
  finishReason: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Folds one field of a delta into the choice: the rule the stream/completion round trip rests on. */
function foldField(state: ChoiceState, key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  const { message } = state;
  const before = message[key];
  if (typeof value === 'string' && typeof before === 'string') {
    state.pieces ??= new Map();
    const pieces = state.pieces.get(key);
    if (pieces === undefined) state.pieces.set(key, [before, value]);
    else pieces.push(value);
    return;
  }
  state.pieces?.delete(key);
  if (Array.isArray(value)) message[key] = Array.isArray(before) ? appendAll(before, value) : [...value];
  else message[key] = value;
}

/** The folded message with every string field's pieces joined (the state itself is left as it is). */
function joinedMessage(state: ChoiceState): Record<string, unknown> {
  if (state.pieces === undefined) return state.message;
  const message = { ...state.message };
  for (const [key, pieces] of state.pieces) message[key] = pieces.join('');
  return message;
}

/**
 * Accumulates the chunks of one streamed answer so that a completed stream can be cached (and later
 * replayed with `completionToChunks`), keeping every field a provider sends:
 *
 * - per choice, string fields of the delta are concatenated (`content`, `refusal`, DeepSeek's
 *   `reasoning_content`, OpenRouter's `reasoning`, any other string), array fields are appended
 *   (`reasoning_details`, `annotations`), tool calls are merged by `index` (id/type/name from the first
 *   delta that has them, arguments concatenated), other values take the last non-null one;
 * - logprobs are appended per list (`content`, `refusal`); `finish_reason` and the choice's own extra
 *   fields take the last non-null value;
 * - id/created/model come from the first chunk, every other top-level field (system_fingerprint,
 *   provider, citations, …) takes its last non-null value, usage the last non-null `usage`.
 */
export class ChunkAssembler {
  #header: { id: string; created: number; model: string } | undefined;
  readonly #extra: Record<string, unknown> = {};
  readonly #choices = new Map<number, ChoiceState>();
  #usage: ChatCompletionUsage | undefined;

  /** Adds the next chunk of the stream, in the order it was received. */
  push(chunk: ChatCompletionChunk): void {
    if (this.#header === undefined)
      this.#header = { id: chunk.id, created: chunk.created, model: chunk.model };
    for (const key in chunk) {
      const value = chunk[key];
      if (!ENVELOPE_FIELDS.has(key) && value !== null && value !== undefined) this.#extra[key] = value;
    }
    for (const choice of chunk.choices) this.#pushChoice(choice);
    if (isRecord(chunk.usage)) this.#usage = chunk.usage;
  }

  /**
   * The assembled completion, or undefined unless the stream completed: at least one choice was seen and
   * every choice has a finish_reason other than `error`. A cut-off or failed stream is never an answer.
   */
  result(): ChatCompletion | undefined {
    const header = this.#header;
    if (header === undefined || this.#choices.size === 0) return undefined;
    const states = [...this.#choices.values()];
    if (states.some((state) => state.finishReason === null || state.finishReason === 'error'))
      return undefined;
    states.sort((a, b) => a.index - b.index);
    const usage = this.#usage;
    return {
      id: header.id,
      object: 'chat.completion',
      created: header.created,
      model: header.model,
      ...this.#extra,
      choices: states.map(toChoice),
      usage:
        usage === undefined
          ? { from_cache: false }
          : { ...usage, from_cache: typeof usage.from_cache === 'boolean' ? usage.from_cache : false },
    };
  }

  #pushChoice(choice: ChatCompletionChunkChoice): void {
    let state = this.#choices.get(choice.index);
    if (state === undefined) {
      state = {
        index: choice.index,
        message: {},
        pieces: undefined,
        sawContent: false,
        toolCalls: new Map(),
        logprobs: null,
        extra: {},
        finishReason: null,
      };
      this.#choices.set(choice.index, state);
    }
    const { delta } = choice;
    if (isRecord(delta)) {
      for (const key in delta) {
        const value = delta[key];
        if (key === 'tool_calls') {
          if (Array.isArray(value)) for (const call of value) mergeToolCall(state.toolCalls, call);
        } else {
          if (key === 'content' && typeof value === 'string') state.sawContent = true;
          foldField(state, key, value);
        }
      }
    }
    if (isRecord(choice.logprobs)) {
      state.logprobs ??= {};
      for (const [list, items] of Object.entries(choice.logprobs)) {
        if (Array.isArray(items)) state.logprobs[list] = appendAll(state.logprobs[list] ?? [], items);
        else if (!(list in state.logprobs)) state.logprobs[list] = null;
      }
    }
    for (const key in choice) {
      const value = choice[key];
      if (!CHOICE_FIELDS.has(key) && value !== null && value !== undefined) state.extra[key] = value;
    }
    // Some OpenAI-compatible servers send '' instead of null on unfinished chunks.
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      state.finishReason = choice.finish_reason;
    }
  }
}

/** Appends in place (one token per chunk: copying the whole list each time would be quadratic). */
function appendAll(target: unknown[], items: readonly unknown[]): unknown[] {
  for (const item of items) target.push(item);
  return target;
}

function mergeToolCall(calls: Map<number, ChatCompletionToolCall>, delta: ChatCompletionToolCallDelta): void {
  if (!isRecord(delta) || typeof delta.index !== 'number') return;
  let call = calls.get(delta.index);
  if (call === undefined) {
    call = { id: '', type: '', function: { name: '', arguments: '' } };
    calls.set(delta.index, call);
  }
  for (const key in delta) {
    const value = delta[key];
    if (key === 'index' || value === null || value === undefined) continue;
    if (key === 'function' && isRecord(value)) {
      const fn = call.function;
      if (fn.name === '' && typeof value.name === 'string') fn.name = value.name;
      if (typeof value.arguments === 'string') fn.arguments += value.arguments;
    } else if ((key === 'id' || key === 'type') && typeof value === 'string') {
      if (call[key] === '') call[key] = value;
    } else {
      call[key] = value;
    }
  }
}

function toChoice(state: ChoiceState): ChatCompletionChoice {
  const toolCalls = [...state.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    // Providers that omit `type` on deltas only ever stream function calls.
    .map(([, call]) => (call.type === '' ? { ...call, type: 'function' } : call));
  const { content: folded, refusal, role: _role, ...rest } = joinedMessage(state);
  const text = typeof folded === 'string' ? folded : '';
  // OpenAI sends content null for an answer that is only tool calls or a refusal; '' only when it said so.
  const hasRefusal = typeof refusal === 'string';
  const content = text !== '' ? text : toolCalls.length > 0 || hasRefusal || !state.sawContent ? null : '';
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content,
    ...rest,
    refusal: hasRefusal ? refusal : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: state.index,
    message,
    logprobs: state.logprobs,
    ...state.extra,
    finish_reason: state.finishReason,
  };
}
