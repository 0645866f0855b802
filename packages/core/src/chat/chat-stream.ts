// ChatStream: an opened stream as the edge consumes it (push to a sink), and an iterator view for tRPC and tests.
import { type ChatCompletionChunk, clientClosedError } from '@llm-gateway/contracts';
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
  signal?: AbortSignal | undefined,
): AsyncGenerator<ChatCompletionChunk> {
  const queue: ChatCompletionChunk[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  stream.pipe({
    event: (event) => {
      queue.push(event.chunk);
      notify();
    },
    end: () => {
      ended = true;
      notify();
    },
    fail: (error) => {
      failure = { error };
      notify();
    },
  });
  const onAbort = () => {
    if (!ended) failure ??= { error: clientClosedError() };
    notify();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let next = 0; ; ) {
      while (next < queue.length) {
        const chunk = queue[next];
        next += 1;
        if (chunk !== undefined) yield chunk;
      }
      queue.length = 0;
      next = 0;
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.cancel();
  }
}
