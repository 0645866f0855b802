// Answer shaping: what each caller receives of a shared or stored answer (usage.from_cache, its usage chunk).
import type { ChatCompletion, ChatCompletionChunk } from '@llm-gateway/contracts';
import { type Answer, type AnswerText, answerJson } from '../completion/answer-text.js';
import { forgetChunkText } from '../sse/chunk-json.js';
import type { CallFacts, ChatAnswer } from './chat-types.js';

/**
 * A copy with `usage.from_cache` set; the completion itself is never changed, so one answer can be
 * shared by every caller of a flight and by the cache without a deep copy each.
 */
export function withUsageFlag(completion: ChatCompletion, fromCache: boolean): ChatCompletion {
  const usage = completion.usage;
  return {
    ...completion,
    usage:
      typeof usage === 'object' && usage !== null
        ? { ...usage, from_cache: fromCache }
        : { from_cache: fromCache },
  };
}

/** A fresh (or coalesced) answer: its completion is at hand, its text is joined only if REST asks. */
export function freshAnswer(answer: Answer, facts: CallFacts): ChatAnswer {
  return {
    facts,
    completion: withUsageFlag(answer.completion, false),
    get json() {
      return answerJson(answer.text, false);
    },
  };
}

/** A cache hit: served as its stored text; parsed only for a caller that wants the value (tRPC). */
export function cachedAnswer(text: AnswerText, facts: CallFacts): ChatAnswer {
  let completion: ChatCompletion | undefined;
  return {
    facts,
    get completion() {
      completion ??= cachedCompletion(text);
      return completion;
    },
    get json() {
      return answerJson(text, true);
    },
  };
}

/** A stored answer as a value, `usage.from_cache: true` (for tRPC and for replay as a stream). */
export function cachedCompletion(text: AnswerText): ChatCompletion {
  return JSON.parse(answerJson(text, true)) as ChatCompletion;
}

/** A fresh upstream chunk: its usage (if any) gets `from_cache: false`; every other chunk passes as is. */
export function markChunkFresh(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (typeof chunk.usage === 'object' && chunk.usage !== null) {
    forgetChunkText(chunk);
    chunk.usage = { ...chunk.usage, from_cache: false };
  }
  return chunk;
}

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
