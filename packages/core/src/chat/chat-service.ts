// The one chat engine REST and tRPC both call: plan (cache, coalescing, admission), then shape the answer.
import { type ChatCompletionRequest, GatewayError, withHeaders } from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { type RateLimiter, rateLimitHeaders } from '../rate-limit/rate-limiter.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { RouteTable } from '../routing/route-table.js';
import { guardKey } from '../usage/key-guard.js';
import type { KeyPolicy } from '../usage/key-policy.js';
import { type TokenLimits, tokenLimitHeaders } from '../usage/token-limits.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { type Accounting, createAccounting } from './accounting.js';
import { createAdmission } from './admission.js';
import { createAnswerSources } from './answer-sources.js';
import { type CallPlan, createPlanner, type PlanFacts } from './call-plan.js';
import { type ChatEventListener, safeListener } from './chat-events.js';
import { chatStreamOf } from './chat-stream.js';
import type { CallOptions, ChatService } from './chat-types.js';
import { createFetcher } from './fetch-answer.js';
import { listModels } from './list-models.js';
import { wantsUsage, withModel } from './prepare-request.js';
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
  const answers = createAnswerSources({ fetcher, accounting, streamingEnabled });

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

  return {
    async complete(request, call = {}) {
      const { source, facts, model } = await plan(request, call, 'json');
      try {
        return await answers.json(source, call, { facts, model });
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
        const { source, served } = await answers.stream(planned.source, call, {
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
