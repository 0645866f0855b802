// The one chat engine REST and tRPC both call: plan (cache, coalescing, admission), then shape the answer.
import { type ChatCompletionRequest, GatewayError, withHeaders } from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import { type RateLimiter, rateLimitHeaders } from '../rate-limit/rate-limiter.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { RouteTable } from '../routing/route-table.js';
import type { StreamSource } from '../stream/stream-event.js';
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
  /** The one event stream logs and metrics subscribe to (see ChatEvent); a listener's error is swallowed. */
  onEvent?: ChatEventListener;
  now?: () => number;
}

/** An error after admission carries the rate-limit state the caller would otherwise get on its answer. */
function withFacts(error: unknown, facts: PlanFacts): unknown {
  return facts.rateLimit ? withHeaders(error, rateLimitHeaders(facts.rateLimit)) : error;
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
  const planner = createPlanner({ cache: options.cache, admission, fetcher, streamingEnabled, emit });

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

  /** The planning step `complete` and `stream` share. */
  function plan(
    request: ChatCompletionRequest,
    call: CallOptions,
    wants: 'json' | 'stream',
  ): Promise<CallPlan> {
    validate(request);
    const body = withModel(request, routes.defaultModel);
    // An unknown model is refused here, before the cache or the rate limit: it costs nothing.
    return planner.plan({ body, route: routes.resolve(body.model) }, call, wants);
  }

  async function answerJson(source: AnswerSource, call: CallOptions, facts: PlanFacts): Promise<ChatAnswer> {
    switch (source.kind) {
      case 'hit':
        return cachedAnswer(source.text, { ...facts, upstream: undefined, attempts: 0 });
      case 'flight': {
        const answer = await source.flight.completionFor(call.signal);
        return freshAnswer(answer, { ...facts, ...servedBy(source) });
      }
      case 'direct': {
        const { admitted, body, route } = source;
        const { answer, served } = await fetcher.completion(body, {
          admitted,
          route,
          signal: call.signal,
          requestId: call.requestId,
        });
        return freshAnswer(answer, { ...facts, ...served });
      }
      default:
        return unreachable(source);
    }
  }

  /** The source of one caller's stream and who serves it; resolves once its first event is in hand. */
  async function openStream(
    source: AnswerSource,
    call: CallOptions,
    includeUsage: boolean,
  ): Promise<{ source: StreamSource; served: Served }> {
    const { signal, requestId } = call;
    switch (source.kind) {
      case 'hit': {
        const chunks = completionToChunks(cachedCompletion(source.text), { includeUsage });
        return { source: replaySource(chunks), served: { upstream: undefined, attempts: 0 } };
      }
      case 'direct': {
        const { admitted, body, route } = source;
        if (streamingEnabled)
          return fetcher.stream({ ...body, stream: true }, { admitted, route, signal, requestId });
        const { answer, served } = await fetcher.completion(asNonStream(body), {
          admitted,
          route,
          signal,
          requestId,
        });
        return {
          source: replaySource(completionToChunks(withUsageFlag(answer.completion, false), { includeUsage })),
          served,
        };
      }
      case 'flight': {
        const { flight } = source;
        if (flight.kind === 'json') {
          const completion = withUsageFlag((await flight.completionFor(signal)).completion, false);
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
        return { source: subscription, served: servedBy(source) };
      }
      default:
        return unreachable(source);
    }
  }

  return {
    async complete(request, call = {}) {
      const { source, facts } = await plan(request, call, 'json');
      try {
        return await answerJson(source, call, facts);
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
        const { source, served } = await openStream(planned.source, call, wantsUsage(request));
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
