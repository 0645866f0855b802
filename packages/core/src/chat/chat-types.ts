// The chat service's public types: call options, per-call metadata for the edge, events and the service.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  GatewayErrorCode,
  ModelList,
} from '@llm-gateway/contracts';
import type { RateLimitDecision } from '../rate-limit/rate-limiter.js';

/** What the service learned while serving a call that the edge turns into headers. */
export interface CallMeta {
  /** The rate-limit state after this call (set once the call was admitted or refused). */
  rateLimit?: RateLimitDecision;
  /** HIT: served from the cache; MISS: looked up (or joined an identical call) and fetched; BYPASS: not cached. */
  cache?: 'HIT' | 'MISS' | 'BYPASS';
}

/** Per-request cache control, from the client's `Cache-Control` header. */
export type CacheMode = 'default' | 'no-cache' | 'no-store';

export interface CallOptions {
  /** Aborts the upstream call when the client goes away. */
  signal?: AbortSignal | undefined;
  /** Carried into the events this call emits (for log correlation). */
  requestId?: string | undefined;
  /** Who is calling (an API key's id), for the per-caller rate limit; never the key itself. */
  clientId?: string | undefined;
  /** Filled in by the service as it goes; read by the adapter for response headers, even after an error. */
  meta?: CallMeta | undefined;
  /** `no-cache`: skip the lookup but store the fresh answer; `no-store`: neither. Default: both. */
  cache?: CacheMode | undefined;
}

export interface CacheLookupEvent {
  requestId: string | undefined;
  hit: boolean;
}

export interface UpstreamSuccessEvent {
  /** The caller's request id, so the event can be logged with the request it belongs to. */
  requestId: string | undefined;
  model: string;
  stream: boolean;
  latencyMs: number;
  /** Upstream attempts it took (1 = no retry). */
  attempts: number;
}

/**
 * A call that reached the upstream and failed, once per call after its retries (a failure mid-stream
 * included). Not emitted when the caller cancelled (the upstream did not fail), nor for refusals
 * before the upstream was tried (rate limit, open breaker at admission).
 */
export interface UpstreamFailureEvent {
  requestId: string | undefined;
  model: string;
  stream: boolean;
  /** The code the caller got; `internal_error` for anything that was not a GatewayError. */
  code: GatewayErrorCode;
  /** From admission to the failure, retries and their waits included. */
  latencyMs: number;
}

/** The first chunk carrying answer content (text, tool call or refusal) of a fresh upstream stream. */
export interface FirstChunkEvent {
  requestId: string | undefined;
  model: string;
  /** From admission to that chunk, retries included: the time to first token the upstream path costs. */
  latencyMs: number;
}

/** A `stream()` call began serving (first `next()`) or finished (ended, failed or abandoned). */
export interface StreamLifecycleEvent {
  requestId: string | undefined;
}

export interface ChatService {
  /** A complete answer: the upstream's completion, intact, with `usage.from_cache`. */
  complete(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatCompletion>;
  /**
   * Typed chunks in order, ending after the last one; a failure (before or after the first chunk)
   * is thrown from the iterator as a GatewayError. Breaking out of the loop aborts the upstream call.
   */
  stream(request: ChatCompletionRequest, options?: CallOptions): AsyncGenerator<ChatCompletionChunk>;
  /**
   * Throws what `complete` or `stream` would throw for the request itself (its size against the
   * gateway's limits), for an adapter that accepts a request now and runs it later.
   */
  validate(request: ChatCompletionRequest): void;
  listModels(options?: CallOptions): Promise<ModelList>;
}
