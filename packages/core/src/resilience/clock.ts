// Time for the resilience policies: injected so tests with fake timers are exact and fast.
import type { CallSignal } from '../signal/call-signal.js';

export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin; only differences matter). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: CallSignal): Promise<void>;
}

/** The real clock: Date.now and setTimeout (both covered by vitest's fake timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A source of randomness in [0, 1), injectable for exact jitter in tests. */
export type RandomSource = () => number;
