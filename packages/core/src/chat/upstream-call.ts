// The upstream call under the resilience policies: retry( one attempt with its circuit-breaker permit ).
import type { Answer } from '../completion/answer-text.js';
import type { BreakerPermit, CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { StreamEvent } from '../stream/stream-event.js';
import type { UpstreamBody, UpstreamClient } from '../upstream/upstream-client.js';
import type { UpstreamStream } from '../upstream/upstream-stream.js';

/** What one call runs with: the caller's signal, its request id and the permit admission took. */
export interface UpstreamCallContext {
  signal: AbortSignal | undefined;
  requestId: string | undefined;
  /** The first attempt's permit (from admission); later attempts ask the breaker for their own. */
  permit: BreakerPermit | undefined;
}

/** An opened stream: its first event received (undefined: it ended without one), the rest still to come. */
export interface OpenedStream {
  first: StreamEvent | undefined;
  stream: UpstreamStream;
  attempts: number;
  /**
   * The breaker sample of a stream is its whole outcome, so the last attempt's permit is handed to the
   * reader of `stream` to settle when the stream ends (undefined once settled: a half-open probe closes
   * the breaker on its first chunk, so nobody else is refused for as long as one long stream runs).
   */
  permit: BreakerPermit | undefined;
}

export interface UpstreamCall {
  complete(body: UpstreamBody, context: UpstreamCallContext): Promise<{ answer: Answer; attempts: number }>;
  /** Retries cover opening the stream up to its first chunk; after that, never. */
  openStream(body: UpstreamBody, context: UpstreamCallContext): Promise<OpenedStream>;
}

export interface UpstreamCallOptions {
  upstream: UpstreamClient;
  /** Absent: one attempt. */
  retry?: RetryPolicy | undefined;
  /** Absent: no breaker. */
  breaker?: CircuitBreaker | undefined;
}

/**
 * The breaker sits *inside* the retry on purpose: each upstream attempt is one breaker sample
 * ("5 consecutive failed attempts"), and once it opens, the remaining retries fail fast with
 * `circuit_open` (not retryable) instead of hammering a dead upstream. Which failures count is the
 * breaker's own classifier's call (`permit.fail`), not this module's.
 */
export function createUpstreamCall({ upstream, retry, breaker }: UpstreamCallOptions): UpstreamCall {
  /** Runs attempts under the retry policy, each with its permit; the first one's comes from admission. */
  async function attempts<T>(
    context: UpstreamCallContext,
    run: (signal: AbortSignal | undefined, permit: BreakerPermit | undefined) => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    let made = 0;
    const once = (signal: AbortSignal | undefined) => {
      made += 1;
      return run(signal, made === 1 ? context.permit : breaker?.acquire(context.requestId));
    };
    try {
      const value = retry
        ? await retry.execute((_n, signal) => once(signal ?? context.signal), {
            signal: context.signal,
            requestId: context.requestId,
          })
        : await once(context.signal);
      return { value, attempts: made };
    } finally {
      // A call that never made its first attempt (the caller left first) gives the permit back.
      if (made === 0) context.permit?.release();
    }
  }

  return {
    async complete(body, context) {
      const { value, attempts: made } = await attempts(context, async (signal, permit) => {
        try {
          const answer = await upstream.complete(body, { signal });
          permit?.success();
          return answer;
        } catch (error) {
          permit?.fail(error);
          throw error;
        }
      });
      return { answer: value, attempts: made };
    },

    async openStream(body, context) {
      const { value, attempts: made } = await attempts(context, async (signal, permit) => {
        try {
          const stream = await upstream.openStream(body, { signal });
          // A failure before the first event closed the stream itself.
          const first = await stream.first();
          if (permit?.probe === true || first === undefined) {
            permit?.success();
            return { first, stream, permit: undefined };
          }
          return { first, stream, permit };
        } catch (error) {
          permit?.fail(error);
          throw error;
        }
      });
      return { ...value, attempts: made };
    },
  };
}
