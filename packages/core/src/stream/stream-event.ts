// The stream path's vocabulary: one event (its parsed chunk and its own text), where events go, where they come from.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';

/**
 * One event of a chat stream. The chunk is parsed once, for the decisions the gateway makes (finish,
 * usage, errors, the fold for the cache); the text is what is relayed to a client, the upstream's own
 * `data` unless the gateway had to change the chunk (the usage chunk's `from_cache`).
 */
export interface StreamEvent {
  readonly chunk: ChatCompletionChunk;
  readonly text: string;
}

/** Where a stream's events go, pushed as they arrive; exactly one of `end` or `fail` closes it. */
export interface StreamSink {
  event(event: StreamEvent): void;
  end(): void;
  fail(error: unknown): void;
}

/**
 * A stream that pushes its events into one sink: no promise per event, so a relayed chunk costs
 * function calls, not async-iterator hops. `pause`/`resume` carry a slow consumer's backpressure to the
 * upstream socket; `close` ends it silently (the consumer left): no more calls to the sink.
 */
export interface StreamSource {
  start(sink: StreamSink): void;
  pause(): void;
  resume(): void;
  close(): void;
}

/** A stream's text for an event the gateway built or changed itself. */
export function eventOf(chunk: ChatCompletionChunk): StreamEvent {
  return { chunk, text: JSON.stringify(chunk) };
}
