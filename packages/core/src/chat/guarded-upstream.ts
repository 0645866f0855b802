// Upstream calls under the resilience policies: retry( circuit breaker( one upstream attempt ) ).
import type { ChatCompletion, ChatCompletionChunk } from '@llm-gateway/contracts';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
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
  ): Promise<{ completion: ChatCompletion; attempts: number }>;
  /** Retries and the breaker cover opening the stream up to its first chunk; after that, never. */
  openStream(body: UpstreamBody, signal: AbortSignal | undefined): Promise<OpenedStream>;
  /** Fails at once with `circuit_open` when the breaker would refuse, before any cost is paid. */
  assertAdmitted(): void;
}

export interface GuardedUpstreamOptions {
  upstream: UpstreamClient;
  /** Absent: one attempt. */
  retry?: RetryPolicy | undefined;
  /** Absent: no breaker. */
  breaker?: CircuitBreaker | undefined;
}

/**
 * The breaker sits *inside* the retry on purpose: each upstream attempt is one breaker sample
 * ("5 consecutive failed attempts"), and once it opens, the remaining retries fail fast with
 * `circuit_open` (not retryable) instead of hammering a dead upstream.
 */
export function createGuardedUpstream({ upstream, retry, breaker }: GuardedUpstreamOptions): GuardedUpstream {
  async function attempt<T>(run: () => Promise<T>): Promise<T> {
    if (!breaker) return run();
    const permit = breaker.acquire();
    try {
      const value = await run();
      permit.success();
      return value;
    } catch (error) {
      if (classifyFailure(error).breakerFailure) permit.failure();
      else permit.release();
      throw error;
    }
  }

  async function withRetry<T>(
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    let attempts = 0;
    const once = (attemptSignal: AbortSignal | undefined) => {
      attempts += 1;
      return attempt(() => run(attemptSignal));
    };
    const value = retry
      ? await retry.execute((_n, attemptSignal) => once(attemptSignal ?? signal), signal ? { signal } : {})
      : await once(signal);
    return { value, attempts };
  }

  return {
    assertAdmitted() {
      breaker?.acquire().release();
    },

    async complete(body, signal) {
      const { value, attempts } = await withRetry(signal, (s) => upstream.complete(body, { signal: s }));
      return { completion: value, attempts };
    },

    async openStream(body, signal) {
      const { value, attempts } = await withRetry(signal, async (s) => {
        const chunks = await upstream.openStream(body, { signal: s });
        const rest = chunks[Symbol.asyncIterator]();
        try {
          return { first: await rest.next(), rest };
        } catch (error) {
          await rest.return?.();
          throw error;
        }
      });
      return { ...value, attempts };
    },
  };
}
