// A clock for tests that moves only when told to: structurally core's `Clock`, plus `advance`.

/** A clock whose time stands still until `advance` moves it; `sleep` resolves at once. */
export interface ManualClock {
  /** The current time in ms (starts at `startMs`). */
  now(): number;
  /** Resolves at once, without moving the time: the test decides when time passes. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves the time forward by `ms`. */
  advance(ms: number): void;
}

/** A {@link ManualClock} that starts at `startMs`; pass it wherever core takes a `Clock`. */
export function createManualClock(startMs = 0): ManualClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    sleep: () => Promise.resolve(),
    advance(ms) {
      nowMs += ms;
    },
  };
}
