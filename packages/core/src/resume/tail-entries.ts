// A resumable stream from an event id as an async iterator, for consumers that pull (tRPC subscriptions, tests).

import type { CallSignal } from '../signal/call-signal.js';
import { createPullQueue } from '../stream/pull-queue.js';
import type { AttachInput, ResumableStreams } from './resumable-streams.js';
import type { JournalEntry } from './resume-types.js';

/**
 * Every entry after `input.afterSeq`, in order, then the end; a recorded failure is thrown after the
 * entries before it. Leaving the loop, or `signal` aborting (the connection dropped), only detaches
 * this reader (the stream itself runs on for a reconnect, see ResumableStreams); the abort ends the
 * loop with client_closed_request.
 */
export async function* tailEntries(
  streams: ResumableStreams,
  input: AttachInput,
  signal?: CallSignal | undefined,
): AsyncGenerator<JournalEntry> {
  const queue = createPullQueue<JournalEntry>();
  const detach = await streams.attach(input, {
    entry: (entry) => queue.push(entry),
    end: (end) => (end.kind === 'fail' ? queue.fail(end.error) : queue.end()),
  });
  try {
    yield* queue.drain(signal);
  } finally {
    detach();
  }
}
