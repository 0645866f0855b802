// Token counts of one answer: read from the provider's `usage` (OpenAI and DeepSeek shapes), or estimated.
import type { ChatCompletion } from '@llm-gateway/contracts';

/** What one answer used, in tokens. `reasoning` is part of `completion`; `cachedPrompt` part of `prompt`. */
export interface TokenUsage {
  prompt: number;
  completion: number;
  reasoning: number;
  cachedPrompt: number;
  total: number;
}

/** The usual rule of thumb for English and code: about four characters a token. */
const CHARS_PER_TOKEN = 4;

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;

const recordOf = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/**
 * The counts a provider reported, or undefined when it reported none. Reasoning comes from
 * `completion_tokens_details.reasoning_tokens`; cached prompt tokens from
 * `prompt_tokens_details.cached_tokens` or DeepSeek's `prompt_cache_hit_tokens`.
 */
export function tokenUsageOf(usage: unknown): TokenUsage | undefined {
  const fields = recordOf(usage);
  if (fields === undefined) return undefined;
  if (fields.prompt_tokens === undefined && fields.completion_tokens === undefined) return undefined;
  const prompt = count(fields.prompt_tokens);
  const completion = count(fields.completion_tokens);
  const cachedPrompt = Math.min(
    prompt,
    count(recordOf(fields.prompt_tokens_details)?.cached_tokens) || count(fields.prompt_cache_hit_tokens),
  );
  return {
    prompt,
    completion,
    reasoning: Math.min(completion, count(recordOf(fields.completion_tokens_details)?.reasoning_tokens)),
    cachedPrompt,
    total: count(fields.total_tokens) || prompt + completion,
  };
}

export function tokensForChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters of a request's messages (text parts and anything else as its JSON). */
function messageChars(messages: readonly unknown[]): number {
  let chars = 0;
  for (const message of messages) {
    const content = recordOf(message)?.content;
    if (typeof content === 'string') chars += content.length;
    else if (content != null) chars += JSON.stringify(content).length;
  }
  return chars;
}

/** A request's prompt size in tokens, estimated from its messages (plus a few per message for roles). */
export function estimatePromptTokens(body: Readonly<Record<string, unknown>>): number {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return tokensForChars(messageChars(messages)) + 4 * messages.length;
}

/** Characters of a completion's text fields (content, reasoning, refusal), for an answer without usage. */
export function completionChars(completion: ChatCompletion): number {
  let chars = 0;
  for (const choice of completion.choices) {
    const message = recordOf(choice.message);
    for (const field of ['content', 'reasoning_content', 'reasoning', 'refusal']) {
      const text = message?.[field];
      if (typeof text === 'string') chars += text.length;
    }
  }
  return chars;
}

/** An estimate for what reached the client of an answer whose usage is unknown. */
export function estimatedUsage(promptTokens: number, outputChars: number): TokenUsage {
  const completion = tokensForChars(outputChars);
  return {
    prompt: promptTokens,
    completion,
    reasoning: 0,
    cachedPrompt: 0,
    total: promptTokens + completion,
  };
}
