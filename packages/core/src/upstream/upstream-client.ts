// The one way to talk to the OpenAI-compatible upstream: undici request(), our own timeouts, typed results.
import { type ChatCompletion, clientClosedError, GatewayError, type ModelList } from '@llm-gateway/contracts';
import type { Dispatcher } from 'undici';
import { type Answer, serializeAnswer, spliceFromCache } from '../completion/answer-text.js';
import { errorFromResponse, errorFromThrown } from './upstream-errors.js';
import { createUpstreamHttp, type UpstreamHttpResponse } from './upstream-http.js';
import { readUpstreamStream, type UpstreamStream } from './upstream-stream.js';

export interface UpstreamClientOptions {
  /** OpenAI-style base URL, e.g. `https://api.proxyapi.ru/openrouter/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; omitted when empty. */
  apiKey?: string;
  /** Time allowed for a non-stream answer, or for a stream's response headers. */
  timeoutMs: number;
  /** Longest silence between two chunks of an open stream (absent: no limit); then `upstream_timeout`. */
  streamIdleTimeoutMs?: number | undefined;
  /** Longest an open stream may run in total (absent: no limit); then `upstream_timeout`. */
  streamMaxDurationMs?: number | undefined;
  /** A connection pool to use instead of the client's own keep-alive pool. */
  dispatcher?: Dispatcher;
  /** How long an idle connection of the client's own pool stays open for reuse (absent: undici's default). */
  keepAliveMs?: number | undefined;
  /** Sent on every call to this upstream (the routes file's `headers`). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Clock for Retry-After dates and stream deadlines. */
  now?: () => number;
}

export interface UpstreamCallOptions {
  signal?: AbortSignal | undefined;
}

/** A body ready for the upstream: the client's request with `model` filled in. */
export type UpstreamBody = Record<string, unknown> & { model: string };

export interface UpstreamClient {
  /** Non-stream chat completion: the upstream's JSON parsed once, and its own text for the client. */
  complete(body: UpstreamBody, options?: UpstreamCallOptions): Promise<Answer>;
  /**
   * Opens a stream: resolves once the upstream answered 2xx; its events are then pushed to a sink as
   * they arrive (see upstream-stream.ts). Ends after `[DONE]`; fails with a GatewayError for an error
   * event, garbage, a deadline, or a cut-off stream.
   */
  openStream(body: UpstreamBody, options?: UpstreamCallOptions): Promise<UpstreamStream>;
  listModels(options?: UpstreamCallOptions): Promise<ModelList>;
  /** Closes the pool's connections (at shutdown). */
  close(): Promise<void>;
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const now = options.now ?? Date.now;
  const secrets = options.apiKey ? [options.apiKey] : [];
  const http = createUpstreamHttp({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    headers: options.headers,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });

  /** Runs one upstream exchange under the caller's signal plus our timeout, mapping every failure. */
  async function exchange<T>(
    call: (signal: AbortSignal) => Promise<T>,
    callOptions: UpstreamCallOptions | undefined,
  ): Promise<T> {
    const callerSignal = callOptions?.signal;
    if (callerSignal?.aborted) throw clientClosedError();
    // One controller fed by both sources: AbortSignal.any costs several times more on Node 20, on
    // every call.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const onCallerAbort = () => controller.abort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await call(controller.signal);
    } catch (error) {
      if (callerSignal?.aborted) throw clientClosedError();
      throw errorFromThrown(error, timedOut);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  async function failIfNotOk(response: UpstreamHttpResponse): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;
    throw await errorFromResponse(response, { secrets, nowMs: now() });
  }

  return {
    complete(body, callOptions) {
      // Serialized outside the exchange: a failure here is ours, never the upstream's (no breaker sample).
      const json = JSON.stringify(body);
      return exchange(async (signal) => {
        const response = await http.post('chat/completions', json, signal);
        await failIfNotOk(response);
        return parseAnswer(await response.body.text());
      }, callOptions);
    },

    async openStream(body, callOptions) {
      // The timer is cleared once headers arrive: it guards the wait for them, not the whole stream.
      const json = JSON.stringify(body);
      const response = await exchange(async (signal) => {
        const res = await http.post('chat/completions', json, signal);
        await failIfNotOk(res);
        return res;
      }, callOptions);
      return readUpstreamStream({
        body: response.body,
        signal: callOptions?.signal,
        idleTimeoutMs: options.streamIdleTimeoutMs,
        maxDurationMs: options.streamMaxDurationMs,
        now,
      });
    },

    listModels(callOptions) {
      return exchange(async (signal) => {
        const response = await http.get('models', signal);
        await failIfNotOk(response);
        const list: unknown = await response.body.json();
        if (!isModelList(list))
          throw new GatewayError('upstream_bad_response', 'The upstream sent an invalid model list.');
        return list;
      }, callOptions);
    },

    close: () => http.close(),
  };
}

/** Parsed once for the gateway's decisions; the text is what the client gets, `from_cache` spliced in. */
function parseAnswer(text: string): Answer {
  const completion = parseCompletion(text);
  return { completion, text: spliceFromCache(text) ?? serializeAnswer(completion) };
}

function parseCompletion(text: string): ChatCompletion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('upstream_bad_response', 'The upstream sent an answer that is not JSON.', {
      cause: error,
    });
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray((value as { choices?: unknown }).choices)
  ) {
    throw new GatewayError('upstream_bad_response', 'The upstream sent an answer without choices.');
  }
  return value as ChatCompletion;
}

function isModelList(value: unknown): value is ModelList {
  return typeof value === 'object' && value !== null && Array.isArray((value as { data?: unknown }).data);
}
