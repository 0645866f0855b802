// Test helper: a ChatStream the test feeds by hand, which counts whether it was cancelled.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import type { ChatStream } from '../chat/chat-types.js';
import type { StreamEvent, StreamSink } from '../stream/stream-event.js';

export interface ManualStream {
  stream: ChatStream;
  push(content: string): void;
  end(): void;
  fail(error: unknown): void;
  /** Whether the consumer cancelled it (the upstream call would be closed). */
  cancelled(): boolean;
}

export function eventWith(content: string): StreamEvent {
  const chunk: ChatCompletionChunk = {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
  return { chunk, text: JSON.stringify(chunk) };
}

export function manualStream(): ManualStream {
  let sink: StreamSink | undefined;
  let cancelled = false;
  return {
    stream: {
      facts: { rateLimit: undefined, cache: 'MISS', upstream: 'default', attempts: 1 },
      pipe: (to) => {
        sink = to;
      },
      pause: () => {},
      resume: () => {},
      cancel: () => {
        cancelled = true;
      },
    },
    push: (content) => sink?.event(eventWith(content)),
    end: () => sink?.end(),
    fail: (error) => sink?.fail(error),
    cancelled: () => cancelled,
  };
}
