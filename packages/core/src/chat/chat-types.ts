// The chat service's public types: call options, per-call metadata for the edge, events and the service.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
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

export interface ChatService {
  /** A complete answer: the upstream's completion, intact, with `usage.from_cache`. */
  complete(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatCompletion>;
  /**
   * Typed chunks in order, ending after the last one; a failure (before or after the first chunk)
   * is thrown from the iterator as a GatewayError. Breaking out of the loop aborts the upstream call.
   */
  stream(request: ChatCompletionRequest, options?: CallOptions): AsyncGenerator<ChatCompletionChunk>;
  listModels(options?: CallOptions): Promise<ModelList>;
}
