// Upstream calls under the resilience policies: retry( circuit breaker( one upstream attempt ) ).
import type { ChatCompletion, ChatCompletionChunk } from '@llm-gateway/contracts';
import type { BreakerPermit, CircuitBreaker } from '../resilience/circuit-breaker.js';
import { classifyFailure } from '../resilience/failure-classifier.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { UpstreamBody, UpstreamClient } from '../upstream/upstream-client.js';

/** An opened stream: its first chunk already received, the rest still to come. */
export interface OpenedStream {
  first: IteratorResult<ChatCompletionChunk>;
  rest: AsyncIterator<ChatCompletionChunk>;
  attempts: number;
}

export interface GuardedUpstream {
  complete(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
    requestId?: string,
  ): Promise<{ completion: ChatCompletion; attempts: number }>;
  /**
   * Retries cover opening the stream up to its first chunk; after that, never. The breaker sample of a
   * stream is its whole outcome: a failure mid-stream (e.g. an idle timeout) counts like any other.
   */
  openStream(body: UpstreamBody, signal: AbortSignal | undefined, requestId?: string): Promise<OpenedStream>;
  /** Fails at once with `circuit_open` when the breaker would refuse, before any cost is paid. */
  assertAdmitted(requestId?: string): void;
}

export interface GuardedUpstreamOptions {
  upstream: UpstreamClient;
  /** Absent: one attempt. */
  retry?: RetryPolicy | undefined;
  /** Absent: no breaker. */
  breaker?: CircuitBreaker | undefined;
}

/** Records a failed call: only failures that say the upstream is unhealthy count against it. */
function recordFailure(permit: BreakerPermit, error: unknown): void {
  if (classifyFailure(error).breakerFailure) permit.failure();
  else permit.release();
}

/** The rest of a stream, settling its breaker permit when the stream ends, however it ends. */
function settledAtEnd(
  rest: AsyncIterator<ChatCompletionChunk>,
  permit: BreakerPermit,
): AsyncIterator<ChatCompletionChunk> {
  return {
    async next() {
      try {
        const result = await rest.next();
        if (result.done === true) permit.success();
        return result;
      } catch (error) {
        recordFailure(permit, error);
        throw error;
      }
    },
    async return(value?: unknown) {
      // The consumer stopped reading: says nothing about the upstream.
      permit.release();
      return (await rest.return?.(value)) ?? { done: true, value: undefined };
    },
  };
}

/**
 * The breaker sits *inside* the retry on purpose: each upstream attempt is one breaker sample
 * ("5 consecutive failed attempts"), and once it opens, the remaining retries fail fast with
 * `circuit_open` (not retryable) instead of hammering a dead upstream.
 */
export function createGuardedUpstream({ upstream, retry, breaker }: GuardedUpstreamOptions): GuardedUpstream {
  async function attempt<T>(run: () => Promise<T>, requestId: string | undefined): Promise<T> {
    if (!breaker) return run();
    const permit = breaker.acquire(requestId);
    try {
      const value = await run();
      permit.success();
      return value;
    } catch (error) {
      recordFailure(permit, error);
      throw error;
    }
  }

  /** One stream attempt up to its first chunk; the permit goes on with the stream (see settledAtEnd). */
  async function attemptStream(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
    requestId: string | undefined,
  ) {
    const permit = breaker?.acquire(requestId);
    try {
      const chunks = await upstream.openStream(body, { signal });
      const rest = chunks[Symbol.asyncIterator]();
      let first: IteratorResult<ChatCompletionChunk>;
      try {
        first = await rest.next();
      } catch (error) {
        await rest.return?.();
        throw error;
      }
      if (!permit) return { first, rest };
      // A half-open probe closes the breaker on its first chunk: the upstream answers again, and
      // everyone else should not be refused for as long as one long stream runs.
      if (permit.probe || first.done === true) {
        permit.success();
        return { first, rest };
      }
      return { first, rest: settledAtEnd(rest, permit) };
    } catch (error) {
      if (permit) recordFailure(permit, error);
      throw error;
    }
  }

  async function withRetry<T>(
    signal: AbortSignal | undefined,
    requestId: string | undefined,
    run: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    let attempts = 0;
    const once = (attemptSignal: AbortSignal | undefined) => {
      attempts += 1;
      return run(attemptSignal);
    };
    const value = retry
      ? await retry.execute((_n, attemptSignal) => once(attemptSignal ?? signal), { signal, requestId })
      : await once(signal);
    return { value, attempts };
  }

  return {
    assertAdmitted(requestId) {
      breaker?.acquire(requestId).release();
    },

    async complete(body, signal, requestId) {
      const { value, attempts } = await withRetry(signal, requestId, (s) =>
        attempt(() => upstream.complete(body, { signal: s }), requestId),
      );
      return { completion: value, attempts };
    },

    async openStream(body, signal, requestId) {
      const { value, attempts } = await withRetry(signal, requestId, (s) =>
        attemptStream(body, s, requestId),
      );
      return { ...value, attempts };
    },
  };
}
