// The one chat engine REST and tRPC both call: plan (cache, coalescing, admission), then shape the answer.
import { type ChatCompletionRequest, GatewayError, withHeaders } from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { storedUsage } from '../completion/answer-text.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import { type RateLimiter, rateLimitHeaders } from '../rate-limit/rate-limiter.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { RouteTable } from '../routing/route-table.js';
import type { StreamSink, StreamSource } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import { guardKey } from '../usage/key-guard.js';
import type { KeyPolicy } from '../usage/key-policy.js';
import { type TokenLimits, tokenLimitHeaders } from '../usage/token-limits.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { type Accounting, createAccounting } from './accounting.js';
import { createAdmission } from './admission.js';
import { cachedAnswer, cachedCompletion, freshAnswer, withUsageFlag } from './answer-shaping.js';
import { type AnswerSource, type CallPlan, createPlanner, type PlanFacts } from './call-plan.js';
import { type ChatEventListener, safeListener } from './chat-events.js';
import { chatStreamOf, replaySource } from './chat-stream.js';
import type { CallOptions, ChatAnswer, ChatService } from './chat-types.js';
import { createFetcher, type Served } from './fetch-answer.js';
import type { Flight } from './flight.js';
import { listModels } from './list-models.js';
import { asNonStream, wantsUsage, withModel } from './prepare-request.js';
import { createUpstreamCall } from './upstream-call.js';

export interface ChatServiceOptions {
  /** Where requests go: aliases → upstream targets, each upstream with its own breaker and slots. */
  routes: RouteTable;
  /** With false, stream requests are served from one non-stream upstream call, replayed as SSE chunks. */
  streamingEnabled: boolean;
  /** Guards calls that reach the upstream (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** A bucket per caller (`CallOptions.clientId`), checked before the shared one (absent: none). */
  clientRateLimiter?: RateLimiter | undefined;
  /** Absent: one attempt per target. */
  retry?: RetryPolicy | undefined;
  /** Absent: no caching and no coalescing. */
  cache?: ResponseCache | undefined;
  /** Requests with more messages are refused with `invalid_request` before anything else (absent: no limit). */
  maxMessages?: number | undefined;
  /** A key's own request bucket (its `requests_per_minute`), in place of clientRateLimiter (absent: none). */
  keyRateLimiter?: ((caller: KeyPolicy) => RateLimiter | undefined) | undefined;
  /** Token buckets, reserved before a call and settled with its usage (absent: none). */
  tokenLimits?: TokenLimits | undefined;
  /** Counts every answer's tokens and cost per key; also what budgets are checked against (absent: none). */
  usage?: UsageMeter | undefined;
  /** The one event stream logs and metrics subscribe to (see ChatEvent); a listener's error is swallowed. */
  onEvent?: ChatEventListener;
  /** Monotonic ms, for latencies. */
  now?: () => number;
  /** Epoch ms, for budget periods. */
  wallClock?: () => number;
}

/** An error after admission carries the rate-limit state the caller would otherwise get on its answer. */
function withFacts(error: unknown, facts: PlanFacts): unknown {
  if (!facts.rateLimit && !facts.tokenLimit) return error;
  return withHeaders(error, {
    ...(facts.rateLimit ? rateLimitHeaders(facts.rateLimit) : {}),
    ...(facts.tokenLimit ? tokenLimitHeaders(facts.tokenLimit) : {}),
  });
}

/** A stream whose `onEnd` runs when it ends complete (not when it fails or its consumer leaves). */
function onComplete(source: StreamSource, onEnd: () => void): StreamSource {
  return {
    start: (sink: StreamSink) =>
      source.start({
        event: (event) => sink.event(event),
        end: () => {
          onEnd();
          sink.end();
        },
        fail: (error) => sink.fail(error),
      }),
    pause: () => source.pause(),
    resume: () => source.resume(),
    close: () => source.close(),
  };
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const { routes, streamingEnabled, maxMessages } = options;
  const emit = safeListener(options.onEvent);
  const admission = createAdmission(options);
  const fetcher = createFetcher({
    call: createUpstreamCall(options),
    retry: options.retry,
    emit,
    now: options.now ?? performance.now.bind(performance),
  });
  // Without a meter and token limits there is nothing to count or settle: no wrapper on any answer.
  const accounting: Accounting | undefined =
    options.usage || options.tokenLimits ? createAccounting(options.usage) : undefined;
  const wallClock = options.wallClock ?? Date.now;
  const planner = createPlanner({
    cache: options.cache,
    admission,
    fetcher,
    streamingEnabled,
    emit,
    onLead: accounting?.leader,
  });

  /** Checked before the cache and the rate limit: such a request costs nothing and is never sent. */
  function validate(request: ChatCompletionRequest): void {
    const count = request.messages.length;
    if (maxMessages !== undefined && count > maxMessages) {
      throw new GatewayError(
        'invalid_request',
        `Too many messages: ${count} (the gateway accepts at most ${maxMessages}).`,
        { param: 'messages' },
      );
    }
  }

  /**
   * The planning step `complete` and `stream` share. An unknown model, a model the key may not use and
   * a spent budget are refused here, before the cache or the rate limit: they cost nothing.
   */
  async function plan(
    request: ChatCompletionRequest,
    call: CallOptions,
    wants: 'json' | 'stream',
  ): Promise<CallPlan & { model: string }> {
    validate(request);
    const body = withModel(request, routes.defaultModel);
    const route = routes.resolve(body.model);
    const guarded = call.caller
      ? guardKey(call.caller, route.alias, { meter: options.usage, now: wallClock })
      : undefined;
    if (guarded) await guarded;
    return { ...(await planner.plan({ body, route }, call, wants)), model: body.model };
  }

  /** A fresh call's own answer (not shared): counted, or its reservation given back when it fails. */
  async function directCompletion(
    source: Extract<AnswerSource, { kind: 'direct' }>,
    call: CallOptions,
    body: UpstreamBody,
  ) {
    const { admitted, route } = source;
    try {
      const result = await fetcher.completion(body, {
        admitted,
        route,
        signal: call.signal,
        requestId: call.requestId,
      });
      accounting?.answered({ call, admitted, body: source.body }, result);
      return result;
    } catch (error) {
      accounting?.failed(admitted);
      throw error;
    }
  }

  /** A shared answer this call did not lead: counted as saved (the leader's call is counted once). */
  async function followed(
    source: Extract<AnswerSource, { kind: 'flight' }>,
    call: CallOptions,
    model: string,
  ) {
    const answer = await source.flight.completionFor(call.signal);
    if (!source.leader)
      accounting?.saved(call, source.flight.served?.model ?? model, answer.completion.usage);
    return answer;
  }

  async function answerJson(
    source: AnswerSource,
    call: CallOptions,
    { facts, model }: { facts: PlanFacts; model: string },
  ): Promise<ChatAnswer> {
    switch (source.kind) {
      case 'hit':
        accounting?.saved(call, model, storedUsage(source.text));
        return cachedAnswer(source.text, { ...facts, upstream: undefined, attempts: 0 });
      case 'flight': {
        const answer = await followed(source, call, model);
        return freshAnswer(answer, { ...facts, ...servedBy(source) });
      }
      case 'direct': {
        const { answer, served } = await directCompletion(source, call, source.body);
        return freshAnswer(answer, { ...facts, ...served });
      }
      default:
        return unreachable(source);
    }
  }

  /** The source of one caller's stream and who serves it; resolves once its first event is in hand. */
  /** A fresh stream of this call's own; with accounting, usage is always asked for (and dropped if not wanted). */
  async function directStream(
    source: Extract<AnswerSource, { kind: 'direct' }>,
    call: CallOptions,
    includeUsage: boolean,
  ): Promise<{ source: StreamSource; served: Served }> {
    const { admitted, body, route } = source;
    const { signal, requestId } = call;
    if (!accounting) return fetcher.stream({ ...body, stream: true }, { admitted, route, signal, requestId });
    const asked = {
      ...body,
      stream: true,
      stream_options: { ...(body.stream_options as object | undefined), include_usage: true },
    };
    let opened: { source: StreamSource; served: Served };
    try {
      opened = await fetcher.stream(asked, { admitted, route, signal, requestId });
    } catch (error) {
      accounting.failed(admitted);
      throw error;
    }
    const { served } = opened;
    return {
      source: accounting.stream(opened.source, { call, admitted, body, served, includeUsage }),
      served,
    };
  }

  async function openStream(
    source: AnswerSource,
    call: CallOptions,
    { includeUsage, model }: { includeUsage: boolean; model: string },
  ): Promise<{ source: StreamSource; served: Served }> {
    const { signal } = call;
    switch (source.kind) {
      case 'hit': {
        accounting?.saved(call, model, storedUsage(source.text));
        const chunks = completionToChunks(cachedCompletion(source.text), { includeUsage });
        return { source: replaySource(chunks), served: { upstream: undefined, attempts: 0 } };
      }
      case 'direct': {
        if (streamingEnabled) return directStream(source, call, includeUsage);
        const { answer, served } = await directCompletion(source, call, asNonStream(source.body));
        return {
          source: replaySource(completionToChunks(withUsageFlag(answer.completion, false), { includeUsage })),
          served,
        };
      }
      case 'flight': {
        const { flight } = source;
        if (flight.kind === 'json') {
          const completion = withUsageFlag((await followed(source, call, model)).completion, false);
          return {
            source: replaySource(completionToChunks(completion, { includeUsage })),
            served: servedBy(source),
          };
        }
        const subscription = flight.subscribe(includeUsage);
        try {
          await flight.openedFor(signal);
        } catch (error) {
          subscription.close();
          throw error;
        }
        const counted =
          accounting && !source.leader
            ? onComplete(subscription, () => {
                void flight.done.then((answer) => {
                  if (answer) accounting.saved(call, flight.served?.model ?? model, answer.completion.usage);
                });
              })
            : subscription;
        return { source: counted, served: servedBy(source) };
      }
      default:
        return unreachable(source);
    }
  }

  return {
    async complete(request, call = {}) {
      const { source, facts, model } = await plan(request, call, 'json');
      try {
        return await answerJson(source, call, { facts, model });
      } catch (error) {
        throw withFacts(error, facts);
      }
    },

    async stream(request, call = {}) {
      const { requestId } = call;
      // Counted from here to the stream's end, however it ends (see chatStreamOf), or to a failure to open.
      emit({ type: 'stream-start', requestId });
      const ended = () => emit({ type: 'stream-end', requestId });
      let facts: PlanFacts | undefined;
      try {
        const planned = await plan(request, call, 'stream');
        facts = planned.facts;
        const { source, served } = await openStream(planned.source, call, {
          includeUsage: wantsUsage(request),
          model: planned.model,
        });
        return chatStreamOf(source, { ...facts, ...served }, ended);
      } catch (error) {
        ended();
        throw facts ? withFacts(error, facts) : error;
      }
    },

    validate,
    listModels: (call) => listModels(routes, call),
  };
}

/** A shared call's upstream; only its leader made the calls. */
function servedBy(source: { flight: Flight; leader: boolean }): Served {
  const served = source.flight.served;
  return { upstream: served?.upstream, attempts: source.leader ? (served?.attempts ?? 0) : 0 };
}

function unreachable(value: never): never {
  throw new Error(`Unknown answer source: ${JSON.stringify(value)}`);
}
