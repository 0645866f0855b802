// The one chat engine REST and tRPC both call: complete() for JSON answers, stream() for typed chunks.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ModelList,
} from '@llm-gateway/contracts';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { asNonStream, wantsUsage, withModel } from './prepare-request.js';

export interface ChatServiceOptions {
  upstream: UpstreamClient;
  /** Used when a request names no model (`VITTE_LLM_MODEL`). */
  defaultModel: string;
  /** With false, stream requests are served from one non-stream upstream call, replayed as SSE chunks. */
  streamingEnabled: boolean;
  /** Called after each successful upstream answer (for the "LLM completion success" log line). */
  onUpstreamSuccess?: (event: UpstreamSuccessEvent) => void;
  now?: () => number;
}

export interface UpstreamSuccessEvent {
  /** The caller's request id, so the event can be logged with the request it belongs to. */
  requestId: string | undefined;
  model: string;
  stream: boolean;
  latencyMs: number;
}

export interface CallOptions {
  /** Aborts the upstream call when the client goes away. */
  signal?: AbortSignal | undefined;
  /** Carried into the events this call emits (for log correlation). */
  requestId?: string | undefined;
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
  const { upstream, defaultModel } = options;
  const now = options.now ?? performance.now.bind(performance);

  async function complete(
    request: ChatCompletionRequest,
    callOptions?: CallOptions,
  ): Promise<ChatCompletion> {
    const body = withModel(request, defaultModel);
    const started = now();
    const completion = await upstream.complete(body, callOptions);
    options.onUpstreamSuccess?.({
      requestId: callOptions?.requestId,
      model: body.model,
      stream: false,
      latencyMs: now() - started,
    });
    return markFresh(completion);
  }

  async function* stream(
    request: ChatCompletionRequest,
    callOptions?: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    const body = withModel(request, defaultModel);
    if (!options.streamingEnabled) {
      const started = now();
      const completion = await upstream.complete(asNonStream(body), callOptions);
      options.onUpstreamSuccess?.({
        requestId: callOptions?.requestId,
        model: body.model,
        stream: false,
        latencyMs: now() - started,
      });
      yield* completionToChunks(markFresh(completion), { includeUsage: wantsUsage(request) });
      return;
    }
    const started = now();
    const chunks = await upstream.openStream({ ...body, stream: true }, callOptions);
    for await (const chunk of chunks) yield markChunkFresh(chunk);
    options.onUpstreamSuccess?.({
      requestId: callOptions?.requestId,
      model: body.model,
      stream: true,
      latencyMs: now() - started,
    });
  }

  return {
    complete,
    stream,
    listModels: (callOptions) => listModels(upstream, defaultModel, callOptions),
  };
}
