// ChatStream: an opened stream as the edge consumes it (push to a sink), and an iterator view for tRPC and tests.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';
import { createPullQueue } from '../stream/pull-queue.js';
import { eventOf, type StreamSink, type StreamSource } from '../stream/stream-event.js';
import type { CallFacts, ChatStream } from './chat-types.js';

/** `source` as a ChatStream; `onFinish` runs once, however the stream ends (end, failure, or cancel). */
export function chatStreamOf(source: StreamSource, facts: CallFacts, onFinish: () => void): ChatStream {
  let finished = false;
  const finish = (): boolean => {
    if (finished) return false;
    finished = true;
    onFinish();
    return true;
  };
  return {
    facts,
    pipe(sink) {
      source.start({
        event: (event) => {
          if (!finished) sink.event(event);
        },
        end: () => {
          if (finish()) sink.end();
        },
        fail: (error) => {
          if (finish()) sink.fail(error);
        },
      });
    },
    pause: () => source.pause(),
    resume: () => source.resume(),
    cancel() {
      if (finish()) source.close();
    },
  };
}

/** Chunks the gateway built (a cache hit, a JSON answer streamed): delivered at once when piped. */
export function replaySource(chunks: readonly ChatCompletionChunk[]): StreamSource {
  let closed = false;
  return {
    start(sink: StreamSink) {
      for (const chunk of chunks) {
        if (closed) return;
        sink.event(eventOf(chunk));
      }
      if (!closed) sink.end();
    },
    pause: () => {},
    resume: () => {},
    close: () => {
      closed = true;
    },
  };
}

/**
 * Every chunk of an opened stream as an async iterator, for consumers that pull (tRPC subscriptions,
 * tests): one queue between the push and the pull. Leaving the loop cancels the stream; so does
 * `signal` (the call's), which ends the loop with client_closed_request even for a shared stream that
 * does not hear of this caller's signal.
 */
export async function* chunksOf(
  stream: ChatStream,
  signal?: CallSignal | undefined,
): AsyncGenerator<ChatCompletionChunk> {
  const queue = createPullQueue<ChatCompletionChunk>();
  stream.pipe({
    event: (event) => queue.push(event.chunk),
    end: () => queue.end(),
    fail: (error) => queue.fail(error),
  });
  try {
    yield* queue.drain(signal);
  } finally {
    stream.cancel();
  }
}
