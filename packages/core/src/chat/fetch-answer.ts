// The upstream step of a call: the route's targets in order, each with its slot and guarded call; events; fresh answers marked.
import { GatewayError, isGatewayError } from '@llm-gateway/contracts';
import type { Answer } from '../completion/answer-text.js';
import type { ReleaseSlot } from '../concurrency/concurrency-limiter.js';
import { classifyFailure } from '../resilience/failure-classifier.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { Route, Target } from '../routing/route-table.js';
import type { CallSignal } from '../signal/call-signal.js';
import type { StreamEvent, StreamSource } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { Admitted } from './admission.js';
import { markEventFresh } from './answer-shaping.js';
import type { ChatEventListener } from './chat-events.js';
import { hasAnswerContent } from './chunk-content.js';
import type { OpenedStream, UpstreamCall } from './upstream-call.js';

/** One admitted call on its way to the upstream. */
export interface FetchContext {
  /** A promise for a call whose admission is still running (a coalesced leader starts it first). */
  admitted: Admitted | Promise<Admitted>;
  route: Route;
  signal: CallSignal | undefined;
  requestId: string | undefined;
}

/** Who answered a call, and how many upstream calls it took (retries and fallbacks together). */
export interface Served {
  upstream: string | undefined;
  attempts: number;
  /** The model the answering target knows (what usage is priced by); absent for a hit. */
  model?: string | undefined;
}

export interface Fetcher {
  /** The upstream's answer as it sent it (its consumers add `usage.from_cache`). */
  completion(body: UpstreamBody, context: FetchContext): Promise<{ answer: Answer; served: Served }>;
  /**
   * Opens the stream (retries and fallbacks cover it until the first event): resolves with its first
   * event in hand, the usage chunk marked `from_cache: false` as it passes.
   */
  stream(body: UpstreamBody, context: FetchContext): Promise<{ source: StreamSource; served: Served }>;
}

export interface FetcherOptions {
  call: UpstreamCall;
  retry: RetryPolicy | undefined;
  emit: ChatEventListener;
  now: () => number;
}

const noSlot: ReleaseSlot = () => {};

/** What the events say about one upstream call. */
interface CallRecord {
  model: string;
  stream: boolean;
  /** After admission: the time the upstream path costs, fallbacks included. */
  started: number;
  signal: CallSignal | undefined;
  requestId: string | undefined;
  upstream: string | undefined;
}

/** The failure a caller gets when no target answered: the last one's, naming the route when it had several. */
function routeFailed(route: Route, last: unknown, tried: number): unknown {
  if (route.size < 2 || !isGatewayError(last)) return last;
  return new GatewayError(
    last.code,
    `All ${tried} targets of the route for '${route.alias}' failed; the last one: ${last.message}`,
    {
      status: last.status,
      param: 'model',
      ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
      ...(last.headers === undefined ? {} : { headers: { ...last.headers } }),
      ...(last.upstreamStatus === undefined ? {} : { upstreamStatus: last.upstreamStatus }),
      cause: last,
    },
  );
}

/** The body as this target's upstream knows the model; the same object when the names agree (no copy). */
function forTarget(body: UpstreamBody, target: Target): UpstreamBody {
  return body.model === target.model ? body : { ...body, model: target.model };
}

export function createFetcher({ call, retry, emit, now }: FetcherOptions): Fetcher {
  /** A caller who left is not an upstream failure: only failures the caller did not cause are reported. */
  function failed(record: CallRecord, error: unknown) {
    if (record.signal?.aborted) return;
    emit({
      type: 'upstream-failure',
      requestId: record.requestId,
      model: record.model,
      upstream: record.upstream,
      stream: record.stream,
      code: isGatewayError(error) ? error.code : 'internal_error',
      latencyMs: now() - record.started,
    });
  }

  function succeeded(record: CallRecord, attempts: number) {
    emit({
      type: 'upstream-success',
      requestId: record.requestId,
      model: record.model,
      upstream: record.upstream,
      stream: record.stream,
      latencyMs: now() - record.started,
      attempts,
    });
  }

  /**
   * Tries the route's targets in order, each in its own slot, until one answers. A failure that another
   * upstream may not share (see the classifier's `fallback`) moves to the next target; any other
   * failure, or a caller who left, ends the call. The slot is handed to `run`'s result holder.
   */
  async function overTargets<T>(
    context: FetchContext,
    record: CallRecord,
    run: (target: Target, attempt: Parameters<UpstreamCall['complete']>[2]) => Promise<T>,
  ): Promise<{ value: T; release: ReleaseSlot; served: Served }> {
    const targets = context.route.order(context.requestId);
    const { signal, requestId } = context;
    let attempts = 0;
    const startedAt = retry?.now();
    const tried: Array<{ upstream: string; code: string }> = [];
    let last: unknown;
    for (const target of targets) {
      const { name, concurrency } = target.upstream;
      record.upstream = name;
      let release = noSlot;
      try {
        if (concurrency) release = await concurrency.acquire(signal);
        const value = await run(target, { signal, requestId, startedAt, attempted: () => (attempts += 1) });
        return { value, release, served: { upstream: name, attempts, model: target.model } };
      } catch (error) {
        release();
        last = error;
        tried.push({ upstream: name, code: isGatewayError(error) ? error.code : 'internal_error' });
        if (signal?.aborted || !classifyFailure(error).fallback) break;
      }
    }
    // No target was left to try (their breakers opened since admission): the route's own refusal.
    // Built only here: an error captures a stack, which cost measurably when made for every call.
    if (tried.length === 0) {
      throw (
        context.route.refusal(requestId) ??
        new GatewayError('circuit_open', 'No upstream of this route takes calls now.')
      );
    }
    if (tried.length > 1) emit({ type: 'route-failed', requestId, alias: context.route.alias, tried });
    throw routeFailed(context.route, last, tried.length);
  }

  function recordOf(body: UpstreamBody, context: FetchContext, stream: boolean): CallRecord {
    return {
      model: body.model,
      stream,
      started: now(),
      signal: context.signal,
      requestId: context.requestId,
      upstream: undefined,
    };
  }

  return {
    async completion(body, context) {
      // A refused admission is no upstream failure: it is thrown before anything is recorded.
      await context.admitted;
      const record = recordOf(body, context, false);
      let outcome: { value: Answer; release: ReleaseSlot; served: Served };
      try {
        outcome = await overTargets(context, record, (target, attempt) =>
          call.complete(target, forTarget(body, target), attempt),
        );
      } catch (error) {
        failed(record, error);
        throw error;
      }
      outcome.release();
      succeeded(record, outcome.served.attempts);
      const { completion, text } = outcome.value;
      return { answer: { completion, text }, served: outcome.served };
    },

    async stream(body, context) {
      await context.admitted;
      const record = recordOf(body, context, true);
      const { signal } = context;
      let outcome: { value: OpenedStream; release: ReleaseSlot; served: Served };
      try {
        outcome = await overTargets(context, record, (target, attempt) =>
          call.openStream(target, forTarget(body, target), attempt),
        );
      } catch (error) {
        failed(record, error);
        throw error;
      }
      const { value: opened, served } = outcome;
      // Held until the stream ends, however it ends; a caller that goes away frees it at once.
      const release = outcome.release;
      signal?.addEventListener('abort', release, { once: true });
      // Taken apart: the first event (its parsed chunk) must not stay alive as long as the stream.
      let { permit, first } = opened;
      const upstream = opened.stream;
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
            latencyMs: now() - record.started,
          });
        }
        return markEventFresh(event);
      };
      const source: StreamSource = {
        start(sink) {
          const event = first;
          first = undefined;
          if (event) sink.event(fresh(event));
          upstream.start({
            event: (event) => sink.event(fresh(event)),
            end() {
              permit?.success();
              permit = undefined;
              finish();
              succeeded(record, served.attempts);
              sink.end();
            },
            fail(error) {
              permit?.fail(error);
              permit = undefined;
              finish();
              failed(record, error);
              sink.fail(error);
            },
          });
        },
        pause: () => upstream.pause(),
        resume: () => upstream.resume(),
        close() {
          if (finished) return;
          // The consumer stopped reading: that says nothing about the upstream.
          permit?.release();
          permit = undefined;
          finish();
          upstream.close();
        },
      };
      return { source, served };
    },
  };
}
