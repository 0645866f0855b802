// The test's own fold of stream chunks into the completion they amount to, and the view answers are compared in.

type Json = Record<string, unknown>;

interface ChoiceFold {
  index: number;
  message: Json;
  toolCalls: Map<number, Json>;
  /** Choice fields beside the delta (finish_reason, logprobs, native_finish_reason, …). */
  fields: Json;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isJson) : [];
}

/** Scalars and objects: the last non-null value wins. */
function setLast(target: Json, key: string, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** Strings concatenated, arrays appended, anything else last non-null. */
function accumulate(target: Json, key: string, value: unknown): void {
  const before = target[key];
  if (typeof value === 'string') target[key] = typeof before === 'string' ? before + value : value;
  else if (Array.isArray(value)) target[key] = Array.isArray(before) ? [...before, ...value] : [...value];
  else setLast(target, key, value);
}

function mergeToolCall(calls: Map<number, Json>, delta: Json): void {
  const index = delta.index as number;
  const call = calls.get(index) ?? {};
  calls.set(index, call);
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'index') continue;
    if (key !== 'function' || !isJson(value)) {
      setLast(call, key, value);
      continue;
    }
    const fn = isJson(call.function) ? call.function : {};
    call.function = fn;
    // Only the arguments arrive in pieces; a name repeated on later deltas is the same name.
    for (const [field, part] of Object.entries(value)) {
      if (field === 'arguments') accumulate(fn, field, part);
      else setLast(fn, field, part);
    }
  }
}

function foldDelta(state: ChoiceFold, delta: Json): void {
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'tool_calls') for (const call of records(value)) mergeToolCall(state.toolCalls, call);
    // OpenRouter repeats the role on every chunk: it is a scalar, not text.
    else if (key === 'role') setLast(state.message, key, value);
    else accumulate(state.message, key, value);
  }
}

function foldLogprobs(state: ChoiceFold, logprobs: unknown): void {
  if (!isJson(logprobs)) return;
  const folded = isJson(state.fields.logprobs) ? state.fields.logprobs : {};
  state.fields.logprobs = folded;
  for (const [list, items] of Object.entries(logprobs)) accumulate(folded, list, items);
}

function foldChoice(choices: Map<number, ChoiceFold>, choice: Json): void {
  const index = choice.index as number;
  const state = choices.get(index) ?? { index, message: {}, toolCalls: new Map(), fields: {} };
  choices.set(index, state);
  for (const [key, value] of Object.entries(choice)) {
    if (key === 'index') continue;
    if (key === 'delta') foldDelta(state, isJson(value) ? value : {});
    else if (key === 'logprobs') foldLogprobs(state, value);
    else setLast(state.fields, key, value);
  }
}

function toChoice(state: ChoiceFold): Json {
  const message: Json = { ...state.message };
  const calls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  if (calls.length > 0) message.tool_calls = calls;
  return { index: state.index, ...state.fields, message };
}

/**
 * Folds chunks as issue 13 defines it, independently of the gateway's own assembler: per choice,
 * string fields of the delta concatenated, arrays appended, tool calls merged by index (arguments
 * concatenated), other values and every choice and top-level field last non-null.
 */
export function foldChunks(chunks: Iterable<unknown>): Json {
  const top: Json = {};
  const choices = new Map<number, ChoiceFold>();
  for (const chunk of chunks) {
    if (!isJson(chunk)) continue;
    for (const [key, value] of Object.entries(chunk))
      if (key !== 'choices' && key !== 'object') setLast(top, key, value);
    for (const choice of records(chunk.choices)) foldChoice(choices, choice);
  }
  const sorted = [...choices.values()].sort((a, b) => a.index - b.index);
  return { ...top, object: 'chat.completion', choices: sorted.map(toChoice) };
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJson(value)) return value;
  const out: Json = {};
  for (const [key, field] of Object.entries(value)) if (field !== null) out[key] = withoutNulls(field);
  return out;
}

/**
 * An answer as the comparisons see it: null fields dropped (a null is no value, and a fold keeps only
 * non-null ones, while a completion spells `content: null`, `refusal: null`) and `usage.from_cache`
 * left out (the one field a miss and a hit rightly differ in; tests assert it on its own).
 */
export function comparable(answer: unknown): unknown {
  const view = withoutNulls(answer);
  if (isJson(view) && isJson(view.usage)) {
    const { from_cache: _fromCache, ...usage } = view.usage;
    view.usage = usage;
  }
  return view;
}

/** `usage.from_cache` of a completion (folded or not); undefined when it has none. */
export function fromCache(answer: unknown): unknown {
  return isJson(answer) && isJson(answer.usage) ? answer.usage.from_cache : undefined;
}
