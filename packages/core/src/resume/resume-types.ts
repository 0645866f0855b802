// The resumable-stream vocabulary: a recorded event with its sequence number, how a stream ended, where a tail goes.
import type { StreamEvent } from '../stream/stream-event.js';

/** One recorded event: its sequence number in the stream (1, 2, …) and the event as relayed. */
export interface JournalEntry {
  readonly seq: number;
  readonly event: StreamEvent;
}

/** How a recorded stream ended: cleanly (`[DONE]`), or with the error a client is shown. */
export type JournalEnd = { readonly kind: 'end' } | { readonly kind: 'fail'; readonly error: unknown };

/**
 * Where a tail (one connection reading a recorded stream) gets its events: every entry after the one
 * it asked for, in order, then exactly one `end`. Pushed, like StreamSink: no promise per event.
 */
export interface TailSink {
  entry(entry: JournalEntry): void;
  end(end: JournalEnd): void;
}

/** What attaching a tail returns: a function that detaches it (the connection dropped or finished). */
export type Detach = () => void;
