// StatsBoard: the live counters plus waiters that are re-checked whenever a counter changes.
import type { SimStats } from './sim-types.js';

interface Waiter {
  predicate: (s: SimStats) => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Default `waitFor` timeout in milliseconds. */
export const DEFAULT_WAIT_MS = 2000;

/** Holds the counters; callers mutate `stats` and then call `changed()`. */
export class StatsBoard {
  /** Updated in place, so references handed out stay live. */
  readonly stats: SimStats = { requests: 0, chatRequests: 0, streamRequests: 0, closedEarly: 0, active: 0 };
  private readonly waiters = new Set<Waiter>();

  /** Re-checks waiting predicates; nearly free when nobody waits (the benchmark case). */
  changed(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) {
      let done: boolean;
      try {
        done = waiter.predicate(this.stats);
      } catch (error) {
        this.settle(waiter);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (done) {
        this.settle(waiter);
        waiter.resolve();
      }
    }
  }

  /** Resolves once `predicate(stats)` holds; rejects after `timeoutMs` with the stats in the message. */
  waitFor(predicate: (s: SimStats) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (predicate(this.stats)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `upstream-sim waitFor timed out after ${timeoutMs} ms; stats: ${JSON.stringify(this.stats)}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Zeroes the counters except `active`, which reflects responses still open. */
  reset(): void {
    this.stats.requests = 0;
    this.stats.chatRequests = 0;
    this.stats.streamRequests = 0;
    this.stats.closedEarly = 0;
    this.changed();
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
  }
}
