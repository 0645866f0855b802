// Test fixture: the small one-choice completion the cache tests store and read back, as a value or as text.
import type { ChatCompletion } from '@llm-gateway/contracts';

/** A minimal valid completion whose only answer is `content` (id and timestamps fixed). */
export function sampleCompletion(content: string): ChatCompletion {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-test',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { from_cache: false },
  };
}

/** The same completion as JSON text: a cache store moves strings, so its tests store this. */
export function sampleText(content: string): string {
  return JSON.stringify(sampleCompletion(content));
}
