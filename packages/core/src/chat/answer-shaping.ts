// Answer shaping: what each caller receives of a shared or stored answer (usage.from_cache, its usage chunk).
import type { ChatCompletion, ChatCompletionChunk } from '@llm-gateway/contracts';
import { type Answer, type AnswerText, answerJson } from '../completion/answer-text.js';
import { eventOf, type StreamEvent } from '../stream/stream-event.js';
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
  let completion: ChatCompletion | undefined;
  return {
    facts,
    // REST sends the text; only a caller that wants the value (tRPC) pays for the copy.
    get completion() {
      completion ??= withUsageFlag(answer.completion, false);
      return completion;
    },
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

/**
 * A fresh upstream event: the usage chunk (if any) gets `from_cache: false`, the one change the
 * gateway makes to a relayed stream; every other event passes as the upstream's own text.
 */
export function markEventFresh(event: StreamEvent): StreamEvent {
  const { chunk } = event;
  if (typeof chunk.usage !== 'object' || chunk.usage === null) return event;
  return eventOf({ ...chunk, usage: { ...chunk.usage, from_cache: false } });
}

/** True for the final `choices: []` chunk that only carries `usage`. */
export function isUsageChunk(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.length === 0 && chunk.usage != null;
}
