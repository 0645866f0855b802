// The chat service's public types: what a call brings (options), what it returns (answer + facts), the service.
import type { ChatCompletion, ChatCompletionRequest, ModelList } from '@llm-gateway/contracts';
import type { RateLimitDecision } from '../rate-limit/rate-limiter.js';
import type { CallSignal } from '../signal/call-signal.js';
import type { StreamSink } from '../stream/stream-event.js';
import type { KeyPolicy } from '../usage/key-policy.js';

/** Per-request cache control, from the client's `Cache-Control` header. */
export type CacheMode = 'default' | 'no-cache' | 'no-store';

/** HIT: served from the cache; MISS: looked up (or joined an identical call) and fetched; BYPASS: not cached. */
export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

export interface CallOptions {
  /** Aborts the upstream call when the client goes away (or the shutdown deadline passes). */
  signal?: CallSignal | undefined;
  /** Carried into the events this call emits (for log correlation). */
  requestId?: string | undefined;
  /** Who is calling (an API key's id), for the per-caller rate limit; never the key itself. */
  clientId?: string | undefined;
  /** `no-cache`: skip the lookup but store the fresh answer; `no-store`: neither. Default: both. */
  cache?: CacheMode | undefined;
  /** The caller's key settings (models, limits, budget) and the name its usage is counted under. */
  caller?: KeyPolicy | undefined;
}

/**
 * What the service learned while serving a call, returned with the answer for the edge to turn into
 * headers. A call that fails after admission throws an error that carries the rate-limit headers itself.
 */
export interface CallFacts {
  /** The rate-limit bucket the caller can act on (its own when it has one), after this call. */
  rateLimit: RateLimitDecision | undefined;
  /** The token bucket the caller can act on, after this call's reservation (absent: no token limit). */
  tokenLimit?: RateLimitDecision | undefined;
  cache: CacheStatus;
  /** The upstream that answered (a shared call's, for a follower); undefined for a cache hit. */
  upstream: string | undefined;
  /** Upstream calls this request made, retries and fallbacks together (0: a hit or a follower). */
  attempts: number;
}

export interface ChatAnswer {
  facts: CallFacts;
  /** The upstream's completion, every field kept, with `usage.from_cache` (a cache hit is parsed on first read). */
  readonly completion: ChatCompletion;
  /**
   * The same answer as the JSON text REST sends: the upstream's own bytes (or the stored ones) with
   * `usage.from_cache` spliced in, never re-serialised.
   */
  readonly json: string;
}

/**
 * An opened stream: its first event is in hand (so the edge may commit to a 200), the rest to come.
 * Events are pushed to the sink given to `pipe`, each with the text to relay (the upstream's own).
 */
export interface ChatStream {
  facts: CallFacts;
  /** Starts delivery: every event from the first, then exactly one `end()` or `fail()`. Call once. */
  pipe(sink: StreamSink): void;
  /** The consumer's buffer is full: stop reading from the upstream until `resume()` (a shared stream ignores it). */
  pause(): void;
  resume(): void;
  /** The consumer left: no more calls to its sink, and the upstream call ends when nobody else listens. */
  cancel(): void;
}

export interface ChatService {
  /** A complete answer; rejects with a GatewayError. */
  complete(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatAnswer>;
  /**
   * Resolves once the first chunk is in hand; anything that fails before it (validation, admission,
   * the upstream refusing) rejects, so it can still be answered with a proper status.
   */
  stream(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatStream>;
  /**
   * Throws what `complete` or `stream` would throw for the request itself (its size against the
   * gateway's limits), for an adapter that accepts a request now and runs it later.
   */
  validate(request: ChatCompletionRequest): void;
  listModels(options?: CallOptions): Promise<ModelList>;
}
