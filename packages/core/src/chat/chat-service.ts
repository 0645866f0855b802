// The one chat engine REST and tRPC both call: admission (rate limit, breaker), guarded upstream, answers.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ModelList,
} from '@llm-gateway/contracts';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import { type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { CallOptions, ChatService, UpstreamSuccessEvent } from './chat-types.js';
import { createGuardedUpstream } from './guarded-upstream.js';
import { asNonStream, wantsUsage, withModel } from './prepare-request.js';

export interface ChatServiceOptions {
  upstream: UpstreamClient;
  /** Used when a request names no model (`VITTE_LLM_MODEL`). */
  defaultModel: string;
  /** With false, stream requests are served from one non-stream upstream call, replayed as SSE chunks. */
  streamingEnabled: boolean;
  /** Guards calls that reach the upstream (absent: no limit). */
  rateLimiter?: RateLimiter | undefined;
  /** Absent: one attempt per request. */
  retry?: RetryPolicy | undefined;
  /** Absent: no circuit breaker. */
  breaker?: CircuitBreaker | undefined;
  /** Called after each successful upstream answer (for the "LLM completion success" log line). */
  onUpstreamSuccess?: (event: UpstreamSuccessEvent) => void;
  now?: () => number;
}

/** Marks an answer as not served from cache, keeping every field the upstream sent. */
function markFresh(completion: ChatCompletion): ChatCompletion {
  const usage = completion.usage;
  completion.usage =
    typeof usage === 'object' && usage !== null ? { ...usage, from_cache: false } : { from_cache: false };
  return completion;
}

function markChunkFresh(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (typeof chunk.usage === 'object' && chunk.usage !== null)
    chunk.usage = { ...chunk.usage, from_cache: false };
  return chunk;
}

/** The upstream's model list; when it has none (error or empty), at least the default model. */
async function listModels(
  upstream: UpstreamClient,
  defaultModel: string,
  callOptions?: CallOptions,
): Promise<ModelList> {
  try {
    const list = await upstream.listModels(callOptions);
    if (list.data.length > 0) return list;
  } catch {
    // Many OpenAI-compatible providers have no /models; the fallback below is the honest answer.
  }
  return {
    object: 'list',
    data: [{ id: defaultModel, object: 'model', created: 0, owned_by: 'llm-gateway' }],
  };
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const { upstream, defaultModel, rateLimiter } = options;
  const now = options.now ?? performance.now.bind(performance);
  const guarded = createGuardedUpstream({ upstream, retry: options.retry, breaker: options.breaker });

  /**
   * Lets a call through to the upstream or refuses it. The breaker is checked first so that a
   * request it refuses does not spend a rate-limit token on an upstream call that never happens.
   */
  async function admit(callOptions: CallOptions | undefined): Promise<void> {
    guarded.assertAdmitted();
    if (!rateLimiter) return;
    const decision = await rateLimiter.take();
    if (callOptions?.meta) callOptions.meta.rateLimit = decision;
    if (!decision.allowed) throw rateLimitedError(decision);
  }

  function succeeded(
    callOptions: CallOptions | undefined,
    event: Omit<UpstreamSuccessEvent, 'requestId'>,
  ): void {
    options.onUpstreamSuccess?.({ requestId: callOptions?.requestId, ...event });
  }

  async function completeFresh(
    request: ChatCompletionRequest,
    callOptions: CallOptions | undefined,
    stream: boolean,
  ) {
    const base = withModel(request, defaultModel);
    const body = stream ? asNonStream(base) : base;
    await admit(callOptions);
    const started = now();
    const { completion, attempts } = await guarded.complete(body, callOptions?.signal);
    succeeded(callOptions, { model: body.model, stream: false, latencyMs: now() - started, attempts });
    return markFresh(completion);
  }

  async function* stream(
    request: ChatCompletionRequest,
    callOptions?: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    if (!options.streamingEnabled) {
      const completion = await completeFresh(request, callOptions, true);
      yield* completionToChunks(completion, { includeUsage: wantsUsage(request) });
      return;
    }
    const body = { ...withModel(request, defaultModel), stream: true };
    await admit(callOptions);
    const started = now();
    const { first, rest, attempts } = await guarded.openStream(body, callOptions?.signal);
    try {
      let next = first;
      while (next.done !== true) {
        yield markChunkFresh(next.value);
        next = await rest.next();
      }
    } finally {
      await rest.return?.();
    }
    succeeded(callOptions, { model: body.model, stream: true, latencyMs: now() - started, attempts });
  }

  return {
    complete: (request, callOptions) => completeFresh(request, callOptions, false),
    stream,
    listModels: (callOptions) => listModels(upstream, defaultModel, callOptions),
  };
}
