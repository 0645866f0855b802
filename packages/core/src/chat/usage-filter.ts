// Shapes a shared stream for one subscriber: keeps or drops the usage chunk per its stream_options.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';

/** True for the final `choices: []` chunk that only carries `usage`. */
export function isUsageChunk(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.length === 0 && chunk.usage != null;
}

/**
 * A coalesced/cached stream always asks the upstream for usage (so the stored answer has it); a
 * subscriber that did not ask gets the stream without it, as the upstream would have sent it.
 */
export function forSubscriber(
  chunk: ChatCompletionChunk,
  includeUsage: boolean,
): ChatCompletionChunk | undefined {
  if (includeUsage) return chunk;
  if (isUsageChunk(chunk)) return undefined;
  if (!('usage' in chunk)) return chunk;
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatCompletionChunk;
}
