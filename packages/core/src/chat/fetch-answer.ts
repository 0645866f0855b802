// The upstream step of a call: a concurrency slot, the guarded upstream call, its events, fresh answers marked.
import { isGatewayError } from '@llm-gateway/contracts';
import type { Answer } from '../completion/answer-text.js';
import type { ConcurrencyLimiter, ReleaseSlot } from '../concurrency/concurrency-limiter.js';
import type { StreamEvent, StreamSource } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { Admitted } from './admission.js';
import { markEventFresh, withUsageFlag } from './answer-shaping.js';
import type { ChatEventListener } from './chat-events.js';
import { hasAnswerContent } from './chunk-content.js';
import type { OpenedStream, UpstreamCall } from './upstream-call.js';

/** One admitted call on its way to the upstream. */
export interface FetchContext {
  /** A promise for a call whose admission is still running (a coalesced leader starts it first). */
  admitted: Admitted | Promise<Admitted>;
  signal: AbortSignal | undefined;
  requestId: string | undefined;
}

export interface Fetcher {
  /** The upstream's answer; its completion carries `usage.from_cache: false`. */
  completion(body: UpstreamBody, context: FetchContext): Promise<Answer>;
  /**
   * Opens the upstream stream (retries cover it until the first event): resolves with its first event in
   * hand, the usage chunk marked `from_cache: false` as it passes.
   */
  stream(body: UpstreamBody, context: FetchContext): Promise<StreamSource>;
}

export interface FetcherOptions {
  call: UpstreamCall;
  /**
   * Bounds the calls that reach the upstream (absent: no bound). Taken after admission, held until the
   * answer or the stream ends.
   */
  concurrency?: ConcurrencyLimiter | undefined;
  emit: ChatEventListener;
  now: () => number;
}

const noSlot: ReleaseSlot = () => {};

/** What the events say about one upstream call. */
interface CallRecord {
  model: string;
  stream: boolean;
  /** After admission and the slot: the time the upstream path costs. */
  started: number;
  signal: AbortSignal | undefined;
  requestId: string | undefined;
}

export function createFetcher({ call, concurrency, emit, now }: FetcherOptions): Fetcher {
  /**
   * A slot for one upstream call, taken after admission on purpose: a call the breaker or the rate limit
   * refuses is refused at once instead of queueing first, and only calls that will really go upstream
   * wait. A call that gets no slot gives its breaker permit back.
   */
  async function admittedWithSlot(
    context: FetchContext,
  ): Promise<{ admitted: Admitted; release: ReleaseSlot }> {
    const admitted = await context.admitted;
    try {
      return { admitted, release: concurrency ? await concurrency.acquire(context.signal) : noSlot };
    } catch (error) {
      admitted.permit?.release();
      throw error;
    }
  }

  /** A caller who left is not an upstream failure: only failures the caller did not cause are reported. */
  function failed(call: CallRecord, error: unknown) {
    if (call.signal?.aborted) return;
    emit({
      type: 'upstream-failure',
      requestId: call.requestId,
      model: call.model,
      stream: call.stream,
      code: isGatewayError(error) ? error.code : 'internal_error',
      latencyMs: now() - call.started,
    });
  }

  function succeeded(call: CallRecord, attempts: number) {
    emit({
      type: 'upstream-success',
      requestId: call.requestId,
      model: call.model,
      stream: call.stream,
      latencyMs: now() - call.started,
      attempts,
    });
  }

  function record(body: UpstreamBody, context: FetchContext, stream: boolean): CallRecord {
    return {
      model: body.model,
      stream,
      started: now(),
      signal: context.signal,
      requestId: context.requestId,
    };
  }

  return {
    async completion(body, context) {
      const { admitted, release } = await admittedWithSlot(context);
      const upstreamCall = record(body, context, false);
      let answer: Awaited<ReturnType<UpstreamCall['complete']>>;
      try {
        answer = await call.complete(body, {
          signal: context.signal,
          requestId: context.requestId,
          permit: admitted.permit,
        });
      } catch (error) {
        failed(upstreamCall, error);
        throw error;
      } finally {
        release();
      }
      succeeded(upstreamCall, answer.attempts);
      return { completion: withUsageFlag(answer.answer.completion, false), text: answer.answer.text };
    },

    async stream(body, context) {
      const { admitted, release } = await admittedWithSlot(context);
      const { signal } = context;
      const upstreamCall = record(body, context, true);
      // Held until the stream ends, however it ends; a caller that goes away frees it at once.
      signal?.addEventListener('abort', release, { once: true });
      let opened: OpenedStream;
      try {
        opened = await call.openStream(body, {
          signal,
          requestId: context.requestId,
          permit: admitted.permit,
        });
      } catch (error) {
        // The attempts settled their own permits.
        signal?.removeEventListener('abort', release);
        release();
        failed(upstreamCall, error);
        throw error;
      }
      let { permit } = opened;
      let awaitingFirstToken = true;
      let finished = false;
      const finish = () => {
        finished = true;
        signal?.removeEventListener('abort', release);
        release();
      };
      const fresh = (event: StreamEvent): StreamEvent => {
        // One flag test per event after the first token.
        if (awaitingFirstToken && hasAnswerContent(event.chunk)) {
          awaitingFirstToken = false;
          emit({
            type: 'first-chunk',
            requestId: context.requestId,
            model: body.model,
            latencyMs: now() - upstreamCall.started,
          });
        }
        return markEventFresh(event);
      };
      return {
        start(sink) {
          if (opened.first) sink.event(fresh(opened.first));
          opened.stream.start({
            event: (event) => sink.event(fresh(event)),
            end() {
              permit?.success();
              permit = undefined;
              finish();
              succeeded(upstreamCall, opened.attempts);
              sink.end();
            },
            fail(error) {
              permit?.fail(error);
              permit = undefined;
              finish();
              failed(upstreamCall, error);
              sink.fail(error);
            },
          });
        },
        pause: () => opened.stream.pause(),
        resume: () => opened.stream.resume(),
        close() {
          if (finished) return;
          // The consumer stopped reading: that says nothing about the upstream.
          permit?.release();
          permit = undefined;
          finish();
          opened.stream.close();
        },
      };
    },
  };
}
