// The parts provider scripts are built from: the script type, chunks, choices and completions.
import type { SimScriptFault } from '@llm-gateway/upstream-sim';

export type Json = Record<string, unknown>;

/** One provider's answer, streamed and as JSON, and the request fields it answers. */
export interface ProviderScript {
  /** Names the case in test titles and prompts. */
  name: string;
  /** Request fields the answer goes with (model, n, tools); messages and stream are the test's. */
  request: Json;
  /** The chunks of the streamed answer, in order (the simulator adds `[DONE]`). */
  events: Json[];
  /** The same answer as one completion, OpenAI-shaped (`refusal: null` included): what `events` fold to. */
  json: Json;
}

/** The simulator's script for one answer: `events` for a stream request, `json` for the other. */
export function scriptOf(provider: ProviderScript): SimScriptFault {
  return { kind: 'script', events: provider.events, json: provider.json };
}

/** A chunk: the top-level fields the provider repeats on every chunk, then its choices. */
export function chunk(head: Json, choices: Json[]): Json {
  return { ...head, object: 'chat.completion.chunk', choices };
}

/** A stream choice; `fields` overrides the index, finish_reason, or adds the provider's own. */
export function choice(delta: Json, fields: Json = {}): Json {
  return { index: 0, delta, logprobs: null, finish_reason: null, ...fields };
}

/** The closing chunk `stream_options.include_usage` asks for. */
export function usageChunk(head: Json, usage: Json): Json {
  return { ...chunk(head, []), usage };
}

/** A non-stream completion with the same top-level fields. */
export function completion(head: Json, choices: Json[], usage: Json): Json {
  return { ...head, object: 'chat.completion', choices, usage };
}

/** The text streamed pieces spell out. */
export const joined = (pieces: string[]) => pieces.join('');
