// What a stream chunk carries: answer content (time-to-first-token) and how much text (usage estimates).
import type { ChatCompletionChunk } from '@llm-gateway/contracts';

/**
 * True when some choice's delta has text, a tool call or a refusal. The opening role-only chunk
 * (`{"role":"assistant","content":""}`) and the final usage chunk do not count: providers send the
 * former with the response headers, long before any token is generated.
 */
export function hasAnswerContent(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    // Only the `choices` array is checked by the decoder; a provider's odd choice must not throw here.
    if (typeof delta !== 'object' || delta === null) continue;
    if (typeof delta.content === 'string' && delta.content !== '') return true;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
    if (typeof delta.refusal === 'string' && delta.refusal !== '') return true;
  }
  return false;
}

/** The delta fields whose text the client reads: the answer, the reasoning (DeepSeek, OpenRouter), a refusal. */
const TEXT_FIELDS = ['content', 'reasoning_content', 'reasoning', 'refusal'] as const;

/** Characters of a chunk's text deltas, for the estimate of a stream cut short before its usage chunk. */
export function deltaChars(chunk: ChatCompletionChunk): number {
  let chars = 0;
  for (const choice of chunk.choices) {
    const delta = choice.delta as Record<string, unknown> | null | undefined;
    if (typeof delta !== 'object' || delta === null) continue;
    for (const field of TEXT_FIELDS) {
      const text = delta[field];
      if (typeof text === 'string') chars += text.length;
    }
  }
  return chars;
}
