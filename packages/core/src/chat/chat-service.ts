// The one chat engine REST and tRPC both call: cache, coalescing, admission, guarded upstream, answers.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ModelList,
} from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import { type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import type { UpstreamBody, UpstreamClient } from '../upstream/upstream-client.js';
import type { CacheLookupEvent, CallOptions, ChatService, UpstreamSuccessEvent } from './chat-types.js';
import { type Flight, FlightRegistry } from './flight.js';
import { createGuardedUpstream } from './guarded-upstream.js';
import { asNonStream, wantsUsage, withModel } from './prepare-request.js';
import { forSubscriber } from './usage-filter.js';

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
  /** Absent: no caching and no coalescing. */
  cache?: ResponseCache | undefined;
  /** Called after each successful upstream answer (for the "LLM completion success" log line). */
  onUpstreamSuccess?: (event: UpstreamSuccessEvent) => void;
  /** Called after each cache lookup (for the "Cache HIT" / "Cache MISS" log lines). */
  onCacheLookup?: (event: CacheLookupEvent) => void;
  now?: () => number;
}

function withUsageFlag(completion: ChatCompletion, fromCache: boolean): ChatCompletion {
  const usage = completion.usage;
  completion.usage =
    typeof usage === 'object' && usage !== null
      ? { ...usage, from_cache: fromCache }
      : { from_cache: fromCache };
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
  const { upstream, defaultModel, rateLimiter, cache } = options;
  const now = options.now ?? performance.now.bind(performance);
  const guarded = createGuardedUpstream({ upstream, retry: options.retry, breaker: options.breaker });
  const flights = new FlightRegistry();

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

  /** Answers that cost the upstream nothing spend no token, but still report the bucket's state. */
  async function reportLimit(callOptions: CallOptions | undefined): Promise<void> {
    if (rateLimiter && callOptions?.meta) callOptions.meta.rateLimit = await rateLimiter.peek();
  }

  function succeeded(
    callOptions: CallOptions | undefined,
    event: Omit<UpstreamSuccessEvent, 'requestId'>,
  ): void {
    options.onUpstreamSuccess?.({ requestId: callOptions?.requestId, ...event });
  }

  async function fetchCompletion(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
  ) {
    await admit(callOptions);
    const started = now();
    const { completion, attempts } = await guarded.complete(body, signal);
    succeeded(callOptions, { model: body.model, stream: false, latencyMs: now() - started, attempts });
    return withUsageFlag(completion, false);
  }

  async function* fetchChunks(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ChatCompletionChunk> {
    await admit(callOptions);
    const started = now();
    const { first, rest, attempts } = await guarded.openStream(body, signal);
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

  interface CachedCall {
    key: string;
    /** Set on a hit. */
    hit?: ChatCompletion;
  }

  /** Looks the request up unless the client said otherwise; undefined when the cache does not apply. */
  async function lookup(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
  ): Promise<CachedCall | undefined> {
    const mode = callOptions?.cache ?? 'default';
    if (!cache || mode === 'no-store') {
      if (callOptions?.meta) callOptions.meta.cache = 'BYPASS';
      return undefined;
    }
    const key = cache.key(body);
    const hit = mode === 'default' ? await cache.lookup(key) : undefined;
    if (callOptions?.meta) callOptions.meta.cache = hit ? 'HIT' : 'MISS';
    options.onCacheLookup?.({ requestId: callOptions?.requestId, hit: hit !== undefined });
    return hit ? { key, hit } : { key };
  }

  /** Joins the identical call in flight, or starts one (stored in the cache when it completes). */
  function flightFor(
    key: string,
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    stream: boolean,
  ): Flight {
    const running = flights.get(key);
    if (running) {
      cache?.countCoalesced();
      return running;
    }
    // The leader's call options carry its meta (rate-limit headers); followers report via peek.
    const flight =
      stream && options.streamingEnabled
        ? flights.start(key, 'stream', (signal) =>
            // Always ask for usage so the stored answer has it; each subscriber gets what it asked for.
            fetchChunks(
              { ...body, stream: true, stream_options: { include_usage: true } },
              callOptions,
              signal,
            ),
          )
        : flights.start(key, 'json', (signal) => fetchCompletion(asNonStream(body), callOptions, signal));
    void flight.done.then((completion) => (completion && cache ? cache.store(key, completion) : undefined));
    return flight;
  }

  async function complete(
    request: ChatCompletionRequest,
    callOptions?: CallOptions,
  ): Promise<ChatCompletion> {
    const body = withModel(request, defaultModel);
    const cached = await lookup(body, callOptions);
    if (!cached) return fetchCompletion(body, callOptions, callOptions?.signal);
    if (cached.hit) {
      await reportLimit(callOptions);
      return withUsageFlag(cached.hit, true);
    }
    const joined = flights.get(cached.key) !== undefined;
    const flight = flightFor(cached.key, body, callOptions, false);
    if (joined) await reportLimit(callOptions);
    return withUsageFlag(await flight.completionFor(callOptions?.signal), false);
  }

  async function* stream(
    request: ChatCompletionRequest,
    callOptions?: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    const body = withModel(request, defaultModel);
    const includeUsage = wantsUsage(request);
    const cached = await lookup(body, callOptions);
    if (!cached) {
      if (!options.streamingEnabled) {
        const completion = await fetchCompletion(asNonStream(body), callOptions, callOptions?.signal);
        yield* completionToChunks(completion, { includeUsage });
      } else {
        yield* fetchChunks({ ...body, stream: true }, callOptions, callOptions?.signal);
      }
      return;
    }
    if (cached.hit) {
      await reportLimit(callOptions);
      yield* completionToChunks(withUsageFlag(cached.hit, true), { includeUsage });
      return;
    }
    const joined = flights.get(cached.key) !== undefined;
    const flight = flightFor(cached.key, body, callOptions, true);
    if (joined) await reportLimit(callOptions);
    if (flight.kind === 'json') {
      yield* completionToChunks(withUsageFlag(await flight.completionFor(callOptions?.signal), false), {
        includeUsage,
      });
      return;
    }
    for await (const chunk of flight.chunksFor(callOptions?.signal)) {
      const shaped = forSubscriber(chunk, includeUsage);
      if (shaped) yield shaped;
    }
  }

  return {
    complete,
    stream,
    listModels: (callOptions) => listModels(upstream, defaultModel, callOptions),
  };
}
