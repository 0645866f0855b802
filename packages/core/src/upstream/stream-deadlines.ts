// Deadlines of an open upstream stream: the longest silence between chunks and the longest stream in total.
import { GatewayError } from '@llm-gateway/contracts';

export interface StreamDeadlineOptions {
  /** Longest wait for the upstream's next chunk (absent: no limit). */
  idleTimeoutMs?: number | undefined;
  /** Longest the whole stream may run (absent: no limit). */
  maxDurationMs?: number | undefined;
  /** Milliseconds; Date.now by default (vitest's fake timers cover it). */
  now?: () => number;
  /** Called once when a deadline passes, with the `upstream_timeout` error to fail the stream with. */
  onExpire: (error: GatewayError) => void;
}

/**
 * Watches one stream. The reader calls `waiting()` before each read from the upstream and `received()`
 * after it, so only the upstream's silence counts, never time a slow consumer spends between reads.
 * When a deadline passes, `onExpire` gets the `upstream_timeout` error (a callback, not an
 * AbortSignal: a controller per stream was a measurable part of opening one).
 */
export interface StreamDeadlines {
  /** The error a passed deadline gave (undefined while none has). */
  readonly expired: GatewayError | undefined;
  waiting(): void;
  received(): void;
  /** Clears the timers (call it however the stream ends). */
  dispose(): void;
}

/** `300` → `0.3`, `60000` → `60`. */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

export function startStreamDeadlines(options: StreamDeadlineOptions): StreamDeadlines {
  const { idleTimeoutMs, maxDurationMs } = options;
  const now = options.now ?? Date.now;
  let expired: GatewayError | undefined;
  let waitingSince: number | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let durationTimer: ReturnType<typeof setTimeout> | undefined;

  function expire(message: string): void {
    dispose();
    expired = new GatewayError('upstream_timeout', message);
    options.onExpire(expired);
  }

  // One timer per silence, not per chunk: the timer checks the clock when it fires and re-arms for
  // the time still left, so a fast stream costs one clock read per chunk.
  function checkIdle(): void {
    idleTimer = undefined;
    if (idleTimeoutMs === undefined || waitingSince === undefined) return;
    const silentMs = now() - waitingSince;
    if (silentMs >= idleTimeoutMs) {
      expire(`The upstream sent nothing for ${seconds(idleTimeoutMs)} s mid-stream.`);
      return;
    }
    idleTimer = setTimeout(checkIdle, idleTimeoutMs - silentMs);
    idleTimer.unref?.();
  }

  function dispose(): void {
    waitingSince = undefined;
    clearTimeout(idleTimer);
    clearTimeout(durationTimer);
    idleTimer = undefined;
    durationTimer = undefined;
  }

  if (maxDurationMs !== undefined) {
    durationTimer = setTimeout(
      () => expire(`The stream exceeded the gateway's maximum duration of ${seconds(maxDurationMs)} s.`),
      maxDurationMs,
    );
    durationTimer.unref?.();
  }

  return {
    get expired() {
      return expired;
    },
    waiting() {
      if (idleTimeoutMs === undefined || expired !== undefined) return;
      waitingSince = now();
      if (idleTimer === undefined) {
        idleTimer = setTimeout(checkIdle, idleTimeoutMs);
        idleTimer.unref?.();
      }
    },
    received() {
      waitingSince = undefined;
    },
    dispose,
  };
}
