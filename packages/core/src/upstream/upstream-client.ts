// The one way to talk to the OpenAI-compatible upstream: undici request(), our own timeouts, typed results.
import { type ChatCompletion, clientClosedError, GatewayError, type ModelList } from '@llm-gateway/contracts';
import type { Dispatcher } from 'undici';
import { type Answer, serializeAnswer, spliceFromCache } from '../completion/answer-text.js';
import type { CallSignal } from '../signal/call-signal.js';
import { errorFromResponse, errorFromThrown } from './upstream-errors.js';
import { DeadlinePassed, type StreamResponse, type WholeResponse } from './upstream-exchange.js';
import { createUpstreamHttp } from './upstream-http.js';
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
  signal?: CallSignal | undefined;
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

  /**
   * One exchange (our timeout and the caller's signal are the exchange's own, see upstream-exchange.ts),
   * every failure mapped; an error status becomes its GatewayError, a whole answer is handed to `read`.
   */
  async function exchange<T>(
    send: () => Promise<WholeResponse | StreamResponse>,
    callOptions: UpstreamCallOptions | undefined,
    read: (response: WholeResponse | StreamResponse) => T,
  ): Promise<T> {
    try {
      const response = await send();
      if (!('body' in response) && !isOk(response.status)) {
        const { status, headers, text } = response;
        throw await errorFromResponse({ status, headers, text: async () => text }, { secrets, nowMs: now() });
      }
      return read(response);
    } catch (error) {
      if (callOptions?.signal?.aborted) throw clientClosedError();
      throw errorFromThrown(error, error instanceof DeadlinePassed);
    }
  }

  const textOf = (response: WholeResponse | StreamResponse) => ('text' in response ? response.text : '');
  const callOf = (callOptions: UpstreamCallOptions | undefined) => ({
    signal: callOptions?.signal,
    timeoutMs: options.timeoutMs,
  });

  return {
    complete(body, callOptions) {
      // Serialized outside the exchange: a failure here is ours, never the upstream's (no breaker sample).
      const json = JSON.stringify(body);
      return exchange(
        () => http.postWhole('chat/completions', json, callOf(callOptions)),
        callOptions,
        (response) => parseAnswer(textOf(response)),
      );
    },

    openStream(body, callOptions) {
      // The exchange's timer guards the wait for the headers, not the whole stream (that is the
      // stream deadlines' job).
      const json = JSON.stringify(body);
      return exchange(
        () => http.postStream('chat/completions', json, callOf(callOptions)),
        callOptions,
        (response) => {
          if (!('body' in response)) throw streamExpected();
          return readUpstreamStream({
            body: response.body,
            signal: callOptions?.signal,
            idleTimeoutMs: options.streamIdleTimeoutMs,
            maxDurationMs: options.streamMaxDurationMs,
            now,
          });
        },
      );
    },

    listModels(callOptions) {
      return exchange(
        () => http.getWhole('models', callOf(callOptions)),
        callOptions,
        (response) => parseModelList(textOf(response)),
      );
    },

    close: () => http.close(),
  };
}

const isOk = (status: number) => status >= 200 && status < 300;

/** A 2xx answer that was read whole although a stream was asked for (cannot happen: a guard for the types). */
const streamExpected = () =>
  new GatewayError('upstream_bad_response', 'The upstream answer could not be read as a stream.');

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

function parseModelList(text: string): ModelList {
  const list: unknown = JSON.parse(text);
  if (typeof list !== 'object' || list === null || !Array.isArray((list as { data?: unknown }).data))
    throw new GatewayError('upstream_bad_response', 'The upstream sent an invalid model list.');
  return list as ModelList;
}
