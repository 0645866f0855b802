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

/**
 * One object per open stream, its methods on the prototype: a closure per method was a dozen more
 * objects alive for each stream, which every young-generation GC copies again while it runs.
 */
class Deadlines implements StreamDeadlines {
  readonly #idleTimeoutMs: number | undefined;
  readonly #now: () => number;
  readonly #onExpire: (error: GatewayError) => void;
  #expired: GatewayError | undefined;
  #waitingSince: number | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #durationTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: StreamDeadlineOptions) {
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#onExpire = options.onExpire;
    const { maxDurationMs } = options;
    if (maxDurationMs !== undefined) {
      this.#durationTimer = setTimeout(durationPassed, maxDurationMs, this, maxDurationMs);
      this.#durationTimer.unref?.();
    }
  }

  get expired(): GatewayError | undefined {
    return this.#expired;
  }

  waiting(): void {
    if (this.#idleTimeoutMs === undefined || this.#expired !== undefined) return;
    this.#waitingSince = this.#now();
    if (this.#idleTimer === undefined) this.#armIdle(this.#idleTimeoutMs);
  }

  received(): void {
    this.#waitingSince = undefined;
  }

  dispose(): void {
    this.#waitingSince = undefined;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#durationTimer);
    this.#idleTimer = undefined;
    this.#durationTimer = undefined;
  }

  expire(message: string): void {
    this.dispose();
    this.#expired = new GatewayError('upstream_timeout', message);
    this.#onExpire(this.#expired);
  }

  // One timer per silence, not per chunk: the timer checks the clock when it fires and re-arms for
  // the time still left, so a fast stream costs one clock read per chunk.
  checkIdle(): void {
    this.#idleTimer = undefined;
    const idleTimeoutMs = this.#idleTimeoutMs;
    const since = this.#waitingSince;
    if (idleTimeoutMs === undefined || since === undefined) return;
    const silentMs = this.#now() - since;
    if (silentMs >= idleTimeoutMs) {
      this.expire(`The upstream sent nothing for ${seconds(idleTimeoutMs)} s mid-stream.`);
      return;
    }
    this.#armIdle(idleTimeoutMs - silentMs);
  }

  #armIdle(ms: number): void {
    // The watch is the timer's argument: no closure per timer.
    this.#idleTimer = setTimeout(idlePassed, ms, this);
    this.#idleTimer.unref?.();
  }
}

function idlePassed(deadlines: Deadlines): void {
  deadlines.checkIdle();
}

function durationPassed(deadlines: Deadlines, maxDurationMs: number): void {
  deadlines.expire(`The stream exceeded the gateway's maximum duration of ${seconds(maxDurationMs)} s.`);
}

export function startStreamDeadlines(options: StreamDeadlineOptions): StreamDeadlines {
  return new Deadlines(options);
}
