// Types of what the gateway answers: OpenAI's chat.completion and chat.completion.chunk, plus `usage.from_cache`.

/** OpenAI's usage block; the gateway adds `from_cache`. Unknown provider fields are kept. */
export interface ChatCompletionUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  /** true when the answer was served from the gateway's cache (no upstream call). */
  from_cache: boolean;
  [key: string]: unknown;
}

export interface ChatCompletionToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
  [key: string]: unknown;
}

/**
 * One piece of OpenRouter's structured reasoning: `reasoning.text` (readable), `reasoning.summary`
 * or `reasoning.encrypted` (opaque `data` to send back on the next turn).
 */
export interface ReasoningDetail {
  type: 'reasoning.text' | 'reasoning.summary' | 'reasoning.encrypted' | (string & {});
  text?: string | null;
  summary?: string | null;
  data?: string | null;
  signature?: string | null;
  id?: string | null;
  format?: string | null;
  index?: number;
  [key: string]: unknown;
}

/** How providers return a model's thinking next to its answer, on the message and on the delta. */
export interface ReasoningFields {
  /** DeepSeek (and vLLM, Qwen, …): the thinking as text. */
  reasoning_content?: string | null;
  /** OpenRouter: the thinking as text. */
  reasoning?: string | null;
  /** OpenRouter: the thinking as typed pieces (some encrypted). */
  reasoning_details?: ReasoningDetail[] | null;
}

export interface ChatCompletionMessage extends ReasoningFields {
  role: 'assistant';
  content: string | null;
  tool_calls?: ChatCompletionToolCall[];
  refusal?: string | null;
  [key: string]: unknown;
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: string | null;
  logprobs?: unknown;
  [key: string]: unknown;
}

/** A non-stream answer, as the upstream sent it (every field kept) with `usage.from_cache` added. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage: ChatCompletionUsage;
  [key: string]: unknown;
}

export interface ChatCompletionToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  [key: string]: unknown;
}

export interface ChatCompletionDelta extends ReasoningFields {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ChatCompletionToolCallDelta[];
  refusal?: string | null;
  [key: string]: unknown;
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: string | null;
  logprobs?: unknown;
  [key: string]: unknown;
}

/** One stream event. The final usage chunk (with `stream_options.include_usage`) has `choices: []`. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: ChatCompletionUsage | null;
  [key: string]: unknown;
}

export interface ModelInfo {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  [key: string]: unknown;
}

export interface ModelList {
  object: 'list';
  data: ModelInfo[];
}
