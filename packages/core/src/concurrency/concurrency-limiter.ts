// Concurrency limiter: at most N upstream calls at once; a short, bounded FIFO queue for the rest.
import { clientClosedError, GatewayError } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';

/** What /metrics shows. */
export interface ConcurrencySnapshot {
  /** Slots held now. */
  in_flight: number;
  /** Calls waiting for a slot now. */
  queued: number;
  max_concurrent: number;
  /** Calls refused so far: queue full, or waited too long (not callers who left). */
  rejected: number;
}

/** Gives the slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

export interface ConcurrencyLimiter {
  /**
   * Resolves with a slot once one is free (at once when one is). Rejects with `overloaded` when the
   * queue is full or the wait exceeds the queue timeout, and with `client_closed_request` when
   * `signal` aborts while waiting (the caller leaves the queue at once). The caller must release.
   */
  acquire(signal?: CallSignal): Promise<ReleaseSlot>;
  snapshot(): ConcurrencySnapshot;
}

export interface ConcurrencyLimiterOptions {
  /** Slots; a positive integer. */
  maxConcurrent: number;
  /** Calls that may wait for a slot; 0 refuses at once when all slots are taken. */
  maxQueue: number;
  /** Longest wait for a slot; 0 means no waiting at all (like `maxQueue: 0`). */
  queueTimeoutMs: number;
  /** The Retry-After a refused caller gets (default 1000 ms: slots turn over quickly). */
  retryAfterMs?: number;
}

interface Waiter {
  grant(release: ReleaseSlot): void;
}

const DEFAULT_RETRY_AFTER_MS = 1000;

/** Builds an in-memory (per-instance) limiter; throws RangeError on options that cannot work. */
export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const { maxConcurrent, maxQueue, queueTimeoutMs } = options;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrent must be an integer >= 1, got ${maxConcurrent}`);
  }
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new RangeError(`maxQueue must be an integer >= 0, got ${maxQueue}`);
  }
  if (!Number.isFinite(queueTimeoutMs) || queueTimeoutMs < 0) {
    throw new RangeError(`queueTimeoutMs must be a finite number >= 0, got ${queueTimeoutMs}`);
  }
  const retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  const queueLimit = queueTimeoutMs === 0 ? 0 : maxQueue;

  let inFlight = 0;
  let rejected = 0;
  // A Set keeps insertion order (FIFO) and deletes a waiter who leaves in O(1).
  const waiters = new Set<Waiter>();

  function overloaded(message: string): GatewayError {
    rejected += 1;
    return new GatewayError('overloaded', message, { retryAfterMs });
  }

  function slot(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the longest waiter, so in_flight never dips and a newcomer
      // cannot overtake the queue.
      const next = waiters.values().next();
      if (next.done === true) {
        inFlight -= 1;
        return;
      }
      waiters.delete(next.value);
      next.value.grant(slot());
    };
  }

  function wait(signal: CallSignal | undefined): Promise<ReleaseSlot> {
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const leave = () => {
        waiters.delete(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(clientClosedError());
      };
      const timer = setTimeout(() => {
        leave();
        reject(
          overloaded(
            `No upstream slot became free within ${queueTimeoutMs} ms (${maxConcurrent} calls in flight); retry shortly.`,
          ),
        );
      }, queueTimeoutMs);
      const waiter: Waiter = {
        grant(release) {
          leave();
          resolve(release);
        },
      };
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(clientClosedError());
      if (inFlight < maxConcurrent) {
        inFlight += 1;
        return Promise.resolve(slot());
      }
      if (waiters.size >= queueLimit) {
        return Promise.reject(
          overloaded(
            `The gateway is at its limit of ${maxConcurrent} upstream calls in flight and ${queueLimit} waiting; retry shortly.`,
          ),
        );
      }
      return wait(signal);
    },
    snapshot: () => ({ in_flight: inFlight, queued: waiters.size, max_concurrent: maxConcurrent, rejected }),
  };
}
