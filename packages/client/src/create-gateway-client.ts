// createGatewayClient: the typed client over the gateway's tRPC API (HTTP for calls, SSE for streams).
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ModelList,
  TypedChatRequest,
} from '@llm-gateway/contracts';
import type {
  AppRouter,
  HealthBody,
  MetricsSnapshot,
  UsageQuery,
  UsageReport,
} from '@llm-gateway/gateway/api-types';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource as FetchEventSource } from 'eventsource';
import superjson from 'superjson';
import { toClientError } from './gateway-client-error.js';
import { type ApiKey, createHttpLayer, type HttpRetryOptions, type HttpTimeouts } from './http-layer.js';
import { resumableStream } from './resumable-stream.js';
import { partsOf, type StreamPart } from './stream-parts.js';

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. `http://localhost:8001` (the API lives under `/trpc`). */
  url: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>` on every call and stream. A function is called for every
   * request and every stream (re)connect, so a rotated key is used from the next request on.
   */
  apiKey?: ApiKey;
  /** Extra headers for every call and stream. */
  headers?: Record<string, string>;
  /** The fetch under the client's ky instance (default: the global one), called with a Request; streams use it too. */
  fetch?: typeof fetch;
  /** How long a stream may take to connect before it fails with `gateway_unreachable` (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a stream whose connection dropped keeps reconnecting (from its last event) before `stream_interrupted` (default 30 s). */
  resumeTimeoutMs?: number;
  /** How long a query or a call may wait for the gateway's answer (defaults: 10 s, 10 min). */
  timeouts?: HttpTimeouts;
  /** Retries: queries on network errors, 429 and 503; calls and streams only when the connection was refused. */
  retry?: HttpRetryOptions;
}

export interface CallOptions {
  /** Aborts the call; for a stream, the gateway aborts its upstream call too. */
  signal?: AbortSignal;
}

export interface GatewayClient {
  chat: {
    /** One complete answer; `usage.from_cache` says whether the gateway's cache served it. */
    complete(request: TypedChatRequest, options?: CallOptions): Promise<ChatCompletion>;
    /**
     * Chunks as they arrive, each exactly once: a dropped connection is reconnected on its own and the
     * stream continues after the last chunk received. Breaking out of the loop or aborting cancels the
     * upstream call.
     */
    stream(request: TypedChatRequest, options?: CallOptions): AsyncGenerator<ChatCompletionChunk>;
    /** Only the text: each chunk's content delta, empty ones skipped. */
    streamText(request: TypedChatRequest, options?: CallOptions): AsyncGenerator<string>;
    /** Reasoning and answer apart: `{ type: 'reasoning', text }` and `{ type: 'content', text }`, in stream order. */
    streamParts(request: TypedChatRequest, options?: CallOptions): AsyncGenerator<StreamPart>;
  };
  health(options?: CallOptions): Promise<HealthBody>;
  metrics(options?: CallOptions): Promise<MetricsSnapshot>;
  models(options?: CallOptions): Promise<ModelList>;
  /** The caller's usage (tokens, cost) by day and model; with an admin key, `key` names any key's. */
  usage(query?: UsageQuery, options?: CallOptions): Promise<UsageReport>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_RESUME_TIMEOUT_MS = 30_000;

/** Rethrows as GatewayClientError; an abort by the caller stays the caller's abort reason. */
async function call<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await run();
  } catch (error) {
    signal?.throwIfAborted();
    throw toClientError(error);
  }
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const http = createHttpLayer({ ...options, connectTimeoutMs });

  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // A fetch-based EventSource (Node 20 has none, and a browser's cannot send headers).
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource: FetchEventSource,
          eventSourceOptions: () => ({ fetch: http.eventSourceFetch }),
        }),
        false: httpLink({
          url,
          transformer: superjson,
          fetch: (input, init) => http.linkFetch(input, init as RequestInit),
        }),
      }),
    ],
  });

  async function* stream(request: TypedChatRequest, callOptions: CallOptions = {}) {
    const { signal } = callOptions;
    const { streamId } = await call(() => trpc.chat.startStream.mutate(request, callOptions), signal);
    yield* resumableStream(
      {
        streamId,
        subscribe: (input, callbacks) => trpc.chat.stream.subscribe(input, { ...callbacks, ...callOptions }),
        // Not the caller's signal: it is usually what just aborted, and the cancel must still go out.
        cancel: () => trpc.chat.cancel.mutate({ streamId }),
      },
      { signal, connectTimeoutMs, resumeTimeoutMs: options.resumeTimeoutMs ?? DEFAULT_RESUME_TIMEOUT_MS },
    );
  }

  return {
    chat: {
      complete: (request, callOptions = {}) =>
        call(() => trpc.chat.complete.mutate(request, callOptions), callOptions.signal),
      stream,
      async *streamText(request, callOptions) {
        for await (const chunk of stream(request, callOptions)) {
          const text = chunk.choices[0]?.delta?.content;
          if (text) yield text;
        }
      },
      async *streamParts(request, callOptions) {
        for await (const chunk of stream(request, callOptions)) yield* partsOf(chunk);
      },
    },
    health: (callOptions = {}) => call(() => trpc.health.query(undefined, callOptions), callOptions.signal),
    metrics: (callOptions = {}) => call(() => trpc.metrics.query(undefined, callOptions), callOptions.signal),
    usage: (query, callOptions = {}) => call(() => trpc.usage.query(query, callOptions), callOptions.signal),
    models: (callOptions = {}) =>
      call(() => trpc.models.list.query(undefined, callOptions), callOptions.signal),
  };
}
