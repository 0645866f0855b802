// Push in, pull out: the one queue between a pushed stream (sink callbacks) and a consumer's `for await`.
import { clientClosedError } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';

export interface PullQueue<T> {
  push(item: T): void;
  /** No more items: the consumer's loop ends after the queued ones. */
  end(): void;
  /** The consumer's loop throws `error` after the queued items (ignored once ended). */
  fail(error: unknown): void;
  /**
   * The items in order, then the end or the failure. `signal` (the consumer's connection) stops the
   * loop at once with client_closed_request, queued items or not: a transport that is still open must
   * not tell its client the stream finished.
   */
  drain(signal?: CallSignal | undefined): AsyncGenerator<T>;
}

export function createPullQueue<T>(): PullQueue<T> {
  const items: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  return {
    push(item) {
      items.push(item);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    fail(error) {
      if (ended) return;
      failure = { error };
      ended = true;
      notify();
    },
    async *drain(signal) {
      signal?.addEventListener('abort', notify, { once: true });
      try {
        for (let next = 0; ; ) {
          while (next < items.length && !signal?.aborted) {
            const item = items[next] as T;
            next += 1;
            yield item;
          }
          items.length = 0;
          next = 0;
          if (signal?.aborted) throw clientClosedError();
          if (ended) {
            if (failure) throw failure.error;
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        signal?.removeEventListener('abort', notify);
      }
    },
  };
}
