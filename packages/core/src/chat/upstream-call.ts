// One target's upstream call under the resilience policies: retry( one attempt with its circuit-breaker permit ).
import type { Answer } from '../completion/answer-text.js';
import type { BreakerPermit } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { Target } from '../routing/route-table.js';
import type { CallSignal } from '../signal/call-signal.js';
import type { StreamEvent } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { UpstreamStream } from '../upstream/upstream-stream.js';

/** What one call runs with; `attempted` counts each upstream call made (for x-gateway-attempts). */
export interface UpstreamCallContext {
  signal: CallSignal | undefined;
  requestId: string | undefined;
  /** When the request's time budget began, on the retry policy's clock: one deadline across targets. */
  startedAt: number | undefined;
  attempted(): void;
}

/** An opened stream: its first event received (undefined: it ended without one), the rest still to come. */
export interface OpenedStream {
  first: StreamEvent | undefined;
  stream: UpstreamStream;
  /**
   * The breaker sample of a stream is its whole outcome, so the last attempt's permit is handed to the
   * reader of `stream` to settle when the stream ends (undefined once settled: a half-open probe closes
   * the breaker on its first chunk, so nobody else is refused for as long as one long stream runs).
   */
  permit: BreakerPermit | undefined;
}

export interface UpstreamCall {
  complete(target: Target, body: UpstreamBody, context: UpstreamCallContext): Promise<Answer>;
  /** Retries cover opening the stream up to its first chunk; after that, never. */
  openStream(target: Target, body: UpstreamBody, context: UpstreamCallContext): Promise<OpenedStream>;
}

/**
 * The breaker sits *inside* the retry on purpose: each upstream attempt is one breaker sample
 * ("5 consecutive failed attempts"), and once it opens, the remaining retries fail fast with
 * `circuit_open` (not retryable) instead of hammering a dead upstream. Which failures count is the
 * breaker's own classifier's call (`permit.fail`), not this module's.
 */
export function createUpstreamCall({ retry }: { retry?: RetryPolicy | undefined }): UpstreamCall {
  /** Runs attempts under the retry policy, each with a permit of the target's breaker. */
  function attempts<T>(
    target: Target,
    context: UpstreamCallContext,
    run: (signal: CallSignal | undefined, permit: BreakerPermit | undefined) => Promise<T>,
  ): Promise<T> {
    const once = (signal: CallSignal | undefined) => {
      const permit = target.upstream.breaker?.acquire(context.requestId);
      context.attempted();
      return run(signal, permit);
    };
    if (!retry) return once(context.signal);
    return retry.execute((_n, signal) => once(signal ?? context.signal), {
      signal: context.signal,
      requestId: context.requestId,
      startedAt: context.startedAt,
    });
  }

  return {
    complete(target, body, context) {
      const { client } = target.upstream;
      return attempts(target, context, async (signal, permit) => {
        try {
          const answer = await client.complete(body, { signal });
          permit?.success();
          return answer;
        } catch (error) {
          permit?.fail(error);
          throw error;
        }
      });
    },

    openStream(target, body, context) {
      const { client } = target.upstream;
      return attempts(target, context, async (signal, permit) => {
        try {
          const stream = await client.openStream(body, { signal });
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
    },
  };
}
