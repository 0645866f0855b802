// A stream chunk's text split into reasoning and answer, whichever field a provider uses for the reasoning.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';

/** A piece of the model's thinking, or of its answer, in the order the stream carried them. */
export type StreamPart = { type: 'reasoning'; text: string } | { type: 'content'; text: string };

/**
 * The first choice's reasoning (DeepSeek's `reasoning_content`, else OpenRouter's `reasoning`: a
 * provider that sends both sends the same text twice), then its content; empty pieces are skipped.
 */
export function* partsOf(chunk: ChatCompletionChunk): Generator<StreamPart> {
  const delta = chunk.choices[0]?.delta;
  if (delta === undefined) return;
  const reasoning = delta.reasoning_content || delta.reasoning;
  if (reasoning) yield { type: 'reasoning', text: reasoning };
  if (delta.content) yield { type: 'content', text: delta.content };
}
