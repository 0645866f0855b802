// Retry policy: repeats a failed upstream call with equal-jitter backoff, honouring Retry-After, a deadline and the caller's signal.
import { clientClosedError, isGatewayError } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';
import { type Clock, type RandomSource, systemClock } from './clock.js';
import { classifyFailure } from './failure-classifier.js';

/** Emitted just before the policy waits for the next attempt (metrics and logs subscribe; the policy never logs). */
export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** How long the policy will wait before the next attempt. */
  delayMs: number;
  error: unknown;
  /** The request being retried, when the caller named one. */
  requestId: string | undefined;
}

export interface RetryOptions {
  /** Total attempts including the first; 1 turns retry off. */
  maxAttempts: number;
  /** The first backoff step, before jitter. */
  baseDelayMs: number;
  /** Cap of one backoff step, before jitter. */
  maxDelayMs: number;
  /** The longest upstream Retry-After we will wait; a longer one surfaces the error at once (its retryAfterMs goes to the client). */
  maxRetryAfterMs: number;
  /** Total budget for one request across attempts and waits; no retry starts if (elapsed + wait) would exceed it. */
  deadlineMs: number;
  clock?: Clock;
  random?: RandomSource;
  /** Which failures may be retried; defaults to classifyFailure. */
  classify?: (error: unknown) => { retryable: boolean };
  /** Called synchronously before each wait; must not throw. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryExecuteOptions {
  signal?: CallSignal | undefined;
  requestId?: string | undefined;
  /**
   * When the request's time budget began, on the policy's clock (default: now). A request that falls
   * back to another upstream keeps one deadline across all of them.
   */
  startedAt?: number | undefined;
}

export interface RetryPolicy {
  /** The policy's clock: what `startedAt` is measured on. */
  now(): number;
  /**
   * Runs `fn` until it succeeds, a failure is not retryable, attempts or the deadline run out, or `signal` aborts.
   * `fn` gets the 1-based attempt number and the caller's signal. Rethrows the last error; an abort during a
   * wait throws GatewayError('client_closed_request').
   */
  execute<T>(
    fn: (attempt: number, signal: CallSignal | undefined) => Promise<T>,
    options?: RetryExecuteOptions,
  ): Promise<T>;
}

// 2^52 times any sane base is far above any cap, and keeps the product finite (no Infinity * 0 = NaN).
const MAX_EXPONENT = 52;

/**
 * The wait after failed attempt `attempt` (1-based), with "equal jitter": half the exponential step fixed,
 * half random, so a delay is never shorter than half the step and clients do not retry in lock-step.
 */
export function backoffDelayMs(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: RandomSource,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), MAX_EXPONENT);
  const step = Math.max(0, Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent));
  return step / 2 + (random() * step) / 2;
}

/** Builds a retry policy; throws RangeError on options that cannot work. */
export function createRetryPolicy(options: RetryOptions): RetryPolicy {
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`);
  }
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const classify = options.classify ?? classifyFailure;

  /** The wait before the next attempt, or undefined when the failure must surface now. */
  function nextDelayMs(error: unknown, attempt: number, startedAt: number): number | undefined {
    if (attempt >= options.maxAttempts) return undefined;
    if (!classify(error).retryable) return undefined;
    const retryAfterMs = isGatewayError(error) ? error.retryAfterMs : undefined;
    let delayMs: number;
    if (retryAfterMs === undefined) {
      delayMs = backoffDelayMs(attempt, options, random);
    } else {
      // Waiting longer than we are willing to hold the request: the client gets the upstream's wait instead.
      if (retryAfterMs > options.maxRetryAfterMs) return undefined;
      // The upstream knows its own recovery better than our backoff does.
      delayMs = Math.max(retryAfterMs, 0);
    }
    if (clock.now() - startedAt + delayMs > options.deadlineMs) return undefined;
    return delayMs;
  }

  return {
    now: () => clock.now(),
    async execute(fn, executeOptions) {
      const signal = executeOptions?.signal;
      const startedAt = executeOptions?.startedAt ?? clock.now();
      for (let attempt = 1; ; attempt += 1) {
        if (signal?.aborted) throw clientClosedError();
        try {
          return await fn(attempt, signal);
        } catch (error) {
          // The attempt's own error already says what happened (the upstream client maps an abort itself).
          if (signal?.aborted) throw error;
          const delayMs = nextDelayMs(error, attempt, startedAt);
          if (delayMs === undefined) throw error;
          options.onRetry?.({ attempt, delayMs, error, requestId: executeOptions?.requestId });
          try {
            await clock.sleep(delayMs, signal);
          } catch (sleepError) {
            if (signal?.aborted) throw clientClosedError({ cause: error });
            throw sleepError;
          }
        }
      }
    },
  };
}
