// A resumable stream from an event id as an async iterator, for consumers that pull (tRPC subscriptions, tests).
import { clientClosedError } from '@llm-gateway/contracts';
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
  signal?: AbortSignal | undefined,
): AsyncGenerator<JournalEntry> {
  const queue: JournalEntry[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const detach = await streams.attach(input, {
    entry: (entry) => {
      queue.push(entry);
      notify();
    },
    end: (end) => {
      done = true;
      if (end.kind === 'fail') failure = { error: end.error };
      notify();
    },
  });
  const onAbort = () => {
    done = true;
    notify();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let next = 0; ; ) {
      while (next < queue.length && !signal?.aborted) {
        const entry = queue[next];
        next += 1;
        if (entry !== undefined) yield entry;
      }
      queue.length = 0;
      next = 0;
      // Not a clean end: a transport that is still open must not tell its client the stream finished.
      if (signal?.aborted) throw clientClosedError();
      if (done) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    detach();
  }
}
