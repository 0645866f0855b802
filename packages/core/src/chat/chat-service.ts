// The one chat engine REST and tRPC both call: cache, coalescing, admission, guarded upstream, answers.
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  GatewayError,
  isGatewayError,
  type ModelList,
} from '@llm-gateway/contracts';
import type { ResponseCache } from '../cache/response-cache.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import type { ConcurrencyLimiter, ReleaseSlot } from '../concurrency/concurrency-limiter.js';
import { type RateLimiter, rateLimitedError } from '../rate-limit/rate-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { forgetChunkText } from '../sse/chunk-json.js';
import type { UpstreamBody, UpstreamClient } from '../upstream/upstream-client.js';
import type {
  CacheLookupEvent,
  CallOptions,
  ChatService,
  FirstChunkEvent,
  StreamLifecycleEvent,
  UpstreamFailureEvent,
  UpstreamSuccessEvent,
} from './chat-types.js';
import { hasAnswerContent } from './chunk-content.js';
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
  /** Called after each successful upstream answer (for the "LLM completion success" log line). */
  onUpstreamSuccess?: (event: UpstreamSuccessEvent) => void;
  /** Called after each cache lookup (for the "Cache HIT" / "Cache MISS" log lines). */
  onCacheLookup?: (event: CacheLookupEvent) => void;
  /** Called once per call that reached the upstream and failed (metrics). */
  onUpstreamFailure?: (event: UpstreamFailureEvent) => void;
  /** Called on the first content chunk of each fresh upstream stream (time-to-first-token metrics). */
  onFirstChunk?: (event: FirstChunkEvent) => void;
  /** Called when a `stream()` call starts serving and when it ends, whatever the path (streams-in-flight gauge). */
  onStreamStart?: (event: StreamLifecycleEvent) => void;
  onStreamEnd?: (event: StreamLifecycleEvent) => void;
  now?: () => number;
}

/** What `slot()` gives when there is no limiter: a release that does nothing. */
const noSlot: ReleaseSlot = () => {};

/**
 * A copy with `usage.from_cache` set; the completion itself is never changed, so one answer can be
 * shared by every caller of a flight and by the cache without a deep copy each.
 */
function withUsageFlag(completion: ChatCompletion, fromCache: boolean): ChatCompletion {
  const usage = completion.usage;
  return {
    ...completion,
    usage:
      typeof usage === 'object' && usage !== null
        ? { ...usage, from_cache: fromCache }
        : { from_cache: fromCache },
  };
}

function markChunkFresh(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (typeof chunk.usage === 'object' && chunk.usage !== null) {
    forgetChunkText(chunk);
    chunk.usage = { ...chunk.usage, from_cache: false };
  }
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
  const { upstream, defaultModel, rateLimiter, clientRateLimiter, cache, maxMessages, concurrency } = options;
  const now = options.now ?? performance.now.bind(performance);
  const guarded = createGuardedUpstream({ upstream, retry: options.retry, breaker: options.breaker });
  const flights = new FlightRegistry();

  /**
   * Lets a call through to the upstream or refuses it. The breaker is checked first so that a
   * request it refuses does not spend a rate-limit token on an upstream call that never happens.
   */
  async function admit(callOptions: CallOptions | undefined): Promise<void> {
    guarded.assertAdmitted(callOptions?.requestId);
    const meta = callOptions?.meta;
    // The caller's own bucket first: a noisy key is refused before it drains the one everyone shares.
    const clientId = callOptions?.clientId;
    const requestId = callOptions?.requestId;
    const own = clientRateLimiter && clientId ? await clientRateLimiter.take(clientId, requestId) : undefined;
    if (own && !own.allowed) {
      if (meta) meta.rateLimit = own;
      throw rateLimitedError(own, 'key');
    }
    const shared = rateLimiter ? await rateLimiter.take(undefined, requestId) : undefined;
    if (shared && !shared.allowed) {
      if (meta) meta.rateLimit = shared;
      throw rateLimitedError(shared);
    }
    // Headers describe the bucket the caller can act on: its own when there is one.
    const shown = own ?? shared;
    if (meta && shown) meta.rateLimit = shown;
  }

  /**
   * A slot for one upstream call. Taken after admission on purpose: a call the breaker or the rate limit
   * refuses is refused at once instead of queueing first, and only calls that will really go upstream
   * wait (their token is spent, so a queue timeout costs one token, as any failed call does).
   */
  async function slot(signal: AbortSignal | undefined): Promise<ReleaseSlot> {
    return concurrency ? concurrency.acquire(signal) : noSlot;
  }

  /** Checked before the cache and the rate limit: such a request costs nothing and is never sent. */
  function assertMessageCount(request: ChatCompletionRequest): void {
    const count = request.messages.length;
    if (maxMessages !== undefined && count > maxMessages) {
      throw new GatewayError(
        'invalid_request',
        `Too many messages: ${count} (the gateway accepts at most ${maxMessages}).`,
        { param: 'messages' },
      );
    }
  }

  /** Answers that cost the upstream nothing spend no token, but still report the bucket's state. */
  async function reportLimit(callOptions: CallOptions | undefined): Promise<void> {
    const meta = callOptions?.meta;
    if (!meta) return;
    const clientId = callOptions?.clientId;
    if (clientRateLimiter && clientId) meta.rateLimit = await clientRateLimiter.peek(clientId);
    else if (rateLimiter) meta.rateLimit = await rateLimiter.peek();
  }

  function succeeded(
    callOptions: CallOptions | undefined,
    event: Omit<UpstreamSuccessEvent, 'requestId'>,
  ): void {
    options.onUpstreamSuccess?.({ requestId: callOptions?.requestId, ...event });
  }

  /** A caller who left is not an upstream failure: only failures the caller did not cause are reported. */
  function failed(
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
    call: { model: string; stream: boolean; started: number },
    error: unknown,
  ): void {
    if (!options.onUpstreamFailure || signal?.aborted) return;
    options.onUpstreamFailure({
      requestId: callOptions?.requestId,
      model: call.model,
      stream: call.stream,
      code: isGatewayError(error) ? error.code : 'internal_error',
      latencyMs: now() - call.started,
    });
  }

  async function fetchCompletion(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
  ) {
    await admit(callOptions);
    const release = await slot(signal);
    const started = now();
    let answer: Awaited<ReturnType<typeof guarded.complete>>;
    try {
      answer = await guarded.complete(body, signal, callOptions?.requestId);
    } catch (error) {
      failed(callOptions, signal, { model: body.model, stream: false, started }, error);
      throw error;
    } finally {
      release();
    }
    const { completion, attempts } = answer;
    succeeded(callOptions, { model: body.model, stream: false, latencyMs: now() - started, attempts });
    return withUsageFlag(completion, false);
  }

  async function* fetchChunks(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ChatCompletionChunk> {
    await admit(callOptions);
    // Held until this generator ends, however it ends: done, failed, or the consumer's return(). A
    // consumer that goes away may never resume or return() a suspended generator, so abort frees it too.
    const release = await slot(signal);
    signal?.addEventListener('abort', release, { once: true });
    try {
      yield* streamUpstream(body, callOptions, signal);
    } finally {
      signal?.removeEventListener('abort', release);
      release();
    }
  }

  async function* streamUpstream(
    body: UpstreamBody,
    callOptions: CallOptions | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ChatCompletionChunk> {
    const started = now();
    const call = { model: body.model, stream: true, started };
    let opened: Awaited<ReturnType<typeof guarded.openStream>>;
    try {
      opened = await guarded.openStream(body, signal, callOptions?.requestId);
    } catch (error) {
      failed(callOptions, signal, call, error);
      throw error;
    }
    const { first, rest, attempts } = opened;
    // One flag test per chunk until the first token; nothing at all when nobody listens.
    let awaitingFirstToken = options.onFirstChunk !== undefined;
    try {
      let next = first;
      while (next.done !== true) {
        if (awaitingFirstToken && hasAnswerContent(next.value)) {
          awaitingFirstToken = false;
          options.onFirstChunk?.({
            requestId: callOptions?.requestId,
            model: body.model,
            latencyMs: now() - started,
          });
        }
        yield markChunkFresh(next.value);
        next = await rest.next();
      }
    } catch (error) {
      failed(callOptions, signal, call, error);
      throw error;
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
    assertMessageCount(request);
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
    // Counted from the first next() to the end, however it ends (done, error, or the consumer's return()).
    const lifecycle = { requestId: callOptions?.requestId };
    options.onStreamStart?.(lifecycle);
    try {
      assertMessageCount(request);
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
    } finally {
      options.onStreamEnd?.(lifecycle);
    }
  }

  return {
    complete,
    stream,
    validate: assertMessageCount,
    listModels: (callOptions) => listModels(upstream, defaultModel, callOptions),
  };
}
