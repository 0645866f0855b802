// The one chat engine REST and tRPC both call: plan (cache, coalescing, admission), then shape the answer.
import { type ChatCompletionRequest, GatewayError, withHeaders } from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import { type RateLimiter, rateLimitHeaders } from '../rate-limit/rate-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { StreamSource } from '../stream/stream-event.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { createAdmission } from './admission.js';
import { cachedAnswer, cachedCompletion, freshAnswer, withUsageFlag } from './answer-shaping.js';
import { type AnswerSource, type CallPlan, createPlanner } from './call-plan.js';
import { type ChatEventListener, safeListener } from './chat-events.js';
import { chatStreamOf, replaySource } from './chat-stream.js';
import type { CallFacts, CallOptions, ChatAnswer, ChatService } from './chat-types.js';
import { createFetcher } from './fetch-answer.js';
import { listModels } from './list-models.js';
import { asNonStream, wantsUsage, withModel } from './prepare-request.js';
import { createUpstreamCall } from './upstream-call.js';

export interface ChatServiceOptions {
  upstream: UpstreamClient;
  /** Used when a request names no model (`VITTE_LLM_MODEL`). */
  defaultModel: string;
  /** With false, stream requests are served from one non-stream upstream call, replayed as SSE chunks. */
  streamingEnabled: boolean;
  /** Guards calls that reach the upstream (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** A bucket per caller (`CallOptions.clientId`), checked before the shared one (absent: none). */
  clientRateLimiter?: RateLimiter | undefined;
  /** Absent: one attempt per request. */
  retry?: RetryPolicy | undefined;
  /** Absent: no circuit breaker. */
  breaker?: CircuitBreaker | undefined;
  /** Absent: no caching and no coalescing. */
  cache?: ResponseCache | undefined;
  /** Requests with more messages are refused with `invalid_request` before anything else (absent: no limit). */
  maxMessages?: number | undefined;
  /**
   * Bounds the calls that reach the upstream (absent: no bound). Taken after admission, held until the
   * answer or the stream ends; cache hits and coalesced followers take no slot.
   */
  concurrency?: ConcurrencyLimiter | undefined;
  /** The one event stream logs and metrics subscribe to (see ChatEvent); a listener's error is swallowed. */
  onEvent?: ChatEventListener;
  now?: () => number;
}

/** An error after admission carries the rate-limit state the caller would otherwise get on its answer. */
function withFacts(error: unknown, facts: CallFacts): unknown {
  return facts.rateLimit ? withHeaders(error, rateLimitHeaders(facts.rateLimit)) : error;
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const { upstream, defaultModel, streamingEnabled, maxMessages } = options;
  const emit = safeListener(options.onEvent);
  const admission = createAdmission(options);
  const fetcher = createFetcher({
    call: createUpstreamCall(options),
    concurrency: options.concurrency,
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
    return planner.plan(withModel(request, defaultModel), call, wants);
  }

  async function answerJson(source: AnswerSource, call: CallOptions, facts: CallFacts): Promise<ChatAnswer> {
    switch (source.kind) {
      case 'hit':
        return cachedAnswer(source.text, facts);
      case 'flight':
        return freshAnswer(await source.flight.completionFor(call.signal), facts);
      case 'direct': {
        const { admitted, body } = source;
        return freshAnswer(
          await fetcher.completion(body, { admitted, signal: call.signal, requestId: call.requestId }),
          facts,
        );
      }
      default:
        return unreachable(source);
    }
  }

  /** The source of one caller's stream; resolves once its first event is in hand. */
  async function openStream(
    source: AnswerSource,
    call: CallOptions,
    includeUsage: boolean,
  ): Promise<StreamSource> {
    const { signal, requestId } = call;
    switch (source.kind) {
      case 'hit':
        return replaySource(completionToChunks(cachedCompletion(source.text), { includeUsage }));
      case 'direct': {
        const { admitted, body } = source;
        if (streamingEnabled)
          return fetcher.stream({ ...body, stream: true }, { admitted, signal, requestId });
        const answer = await fetcher.completion(asNonStream(body), { admitted, signal, requestId });
        return replaySource(completionToChunks(answer.completion, { includeUsage }));
      }
      case 'flight': {
        const { flight } = source;
        if (flight.kind === 'json') {
          const completion = withUsageFlag((await flight.completionFor(signal)).completion, false);
          return replaySource(completionToChunks(completion, { includeUsage }));
        }
        const subscription = flight.subscribe(includeUsage);
        try {
          await flight.openedFor(signal);
        } catch (error) {
          subscription.close();
          throw error;
        }
        return subscription;
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
      let facts: CallFacts | undefined;
      try {
        const planned = await plan(request, call, 'stream');
        facts = planned.facts;
        const source = await openStream(planned.source, call, wantsUsage(request));
        return chatStreamOf(source, facts, ended);
      } catch (error) {
        ended();
        throw facts ? withFacts(error, facts) : error;
      }
    },

    validate,
    listModels: (call) => listModels(upstream, defaultModel, call),
  };
}

function unreachable(value: never): never {
  throw new Error(`Unknown answer source: ${JSON.stringify(value)}`);
}
