// The one way to talk to the OpenAI-compatible upstream: ky over fetch, our own timeout, typed results.
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  GatewayError,
  isGatewayError,
  type ModelList,
} from '@llm-gateway/contracts';
import ky, { type KyInstance } from 'ky';
import { decodeChunkEvent } from '../sse/chunk-decoder.js';
import { parseSseData } from '../sse/parse-sse.js';
import { type StreamDeadlines, startStreamDeadlines } from './stream-deadlines.js';
import { errorFromResponse, errorFromThrown } from './upstream-errors.js';

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
  /** Swap the fetch implementation (ky accepts any WHATWG fetch). */
  fetch?: typeof fetch;
  /** Clock for Retry-After dates and stream deadlines. */
  now?: () => number;
}

export interface UpstreamCallOptions {
  signal?: AbortSignal | undefined;
}

/** A body ready for the upstream: the client's request with `model` filled in. */
export type UpstreamBody = Record<string, unknown> & { model: string };

export interface UpstreamClient {
  /** Non-stream chat completion; the upstream's JSON is returned as sent. */
  complete(body: UpstreamBody, options?: UpstreamCallOptions): Promise<ChatCompletion>;
  /**
   * Opens a stream: resolves once the upstream answered 2xx, then yields typed chunks as they arrive.
   * Ends after `[DONE]`; throws a GatewayError for an error event, garbage, or a cut-off stream.
   */
  openStream(body: UpstreamBody, options?: UpstreamCallOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  listModels(options?: UpstreamCallOptions): Promise<ModelList>;
}

const clientClosed = () => new GatewayError('client_closed_request', 'The client closed the request.');

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const now = options.now ?? Date.now;
  const secrets = options.apiKey ? [options.apiKey] : [];
  const http: KyInstance = ky.create({
    prefix: options.baseUrl,
    retry: 0, // core's retry policy owns retries
    timeout: false, // our own timer below covers headers and, for JSON, the body too
    throwHttpErrors: false,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  /** Runs one upstream exchange under the caller's signal plus our timeout, mapping every failure. */
  async function exchange<T>(
    call: (signal: AbortSignal) => Promise<T>,
    callOptions: UpstreamCallOptions | undefined,
  ): Promise<T> {
    const callerSignal = callOptions?.signal;
    if (callerSignal?.aborted) throw clientClosed();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
    try {
      return await call(signal);
    } catch (error) {
      if (callerSignal?.aborted) throw clientClosed();
      throw errorFromThrown(error, timeout.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  async function failIfNotOk(response: Response): Promise<void> {
    if (response.ok) return;
    throw await errorFromResponse(response, { secrets, nowMs: now() });
  }

  return {
    complete(body, callOptions) {
      return exchange(async (signal) => {
        const response = await http.post('chat/completions', { json: body, signal });
        await failIfNotOk(response);
        return parseCompletion(await response.text());
      }, callOptions);
    },

    async openStream(body, callOptions) {
      // The timer is cleared once headers arrive: it guards the wait for them, not the whole stream.
      const response = await exchange(async (signal) => {
        const res = await http.post('chat/completions', { json: body, signal });
        await failIfNotOk(res);
        return res;
      }, callOptions);
      return streamChunks(response, callOptions?.signal, {
        idleTimeoutMs: options.streamIdleTimeoutMs,
        maxDurationMs: options.streamMaxDurationMs,
        now,
      });
    },

    listModels(callOptions) {
      return exchange(async (signal) => {
        const response = await http.get('models', { signal });
        await failIfNotOk(response);
        const list: unknown = await response.json();
        if (!isModelList(list))
          throw new GatewayError('upstream_bad_response', 'The upstream sent an invalid model list.');
        return list;
      }, callOptions);
    },
  };
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

/** The caller's signal and the stream's deadlines as one signal (no deadlines configured: the caller's). */
function watch(
  signal: AbortSignal | undefined,
  limits: StreamLimits,
): { signal: AbortSignal | undefined; deadlines: StreamDeadlines | undefined; stop: () => void } {
  if (limits.idleTimeoutMs === undefined && limits.maxDurationMs === undefined)
    return { signal, deadlines: undefined, stop: () => {} };
  const deadlines = startStreamDeadlines(limits);
  if (!signal) return { signal: deadlines.signal, deadlines, stop: deadlines.dispose };
  // One controller for both, so the reader has a single signal to obey; no AbortSignal.any, whose
  // followers Node 20 keeps alive longer than the stream.
  const both = new AbortController();
  const onCaller = () => both.abort(signal.reason);
  const onDeadline = () => both.abort(deadlines.signal.reason);
  if (signal.aborted) onCaller();
  signal.addEventListener('abort', onCaller, { once: true });
  deadlines.signal.addEventListener('abort', onDeadline, { once: true });
  return {
    signal: both.signal,
    deadlines,
    stop: () => {
      deadlines.dispose();
      signal.removeEventListener('abort', onCaller);
      deadlines.signal.removeEventListener('abort', onDeadline);
    },
  };
}

interface StreamLimits {
  idleTimeoutMs: number | undefined;
  maxDurationMs: number | undefined;
  now: () => number;
}

async function* streamChunks(
  response: Response,
  callerSignal: AbortSignal | undefined,
  limits: StreamLimits,
): AsyncGenerator<ChatCompletionChunk> {
  const body = response.body;
  if (body === null) throw new GatewayError('upstream_bad_response', 'The upstream sent an empty stream.');
  const { signal, deadlines, stop } = watch(callerSignal, limits);
  // Aborting `signal` cancels the body, which closes the upstream connection.
  const events = parseSseData(body, signal ? { signal } : {});
  let complete = false;
  try {
    for (;;) {
      deadlines?.waiting();
      const next = await events.next();
      deadlines?.received();
      if (next.done === true) break;
      const decoded = decodeChunkEvent(next.value);
      if (decoded === 'done') {
        complete = true;
        break;
      }
      if (!complete && decoded.choices.some((choice) => choice.finish_reason != null)) complete = true;
      yield decoded;
    }
  } catch (error) {
    if (callerSignal?.aborted) throw clientClosed();
    const expired = deadlines?.signal.reason;
    if (deadlines?.signal.aborted && isGatewayError(expired)) throw expired;
    throw errorFromThrown(error, false);
  } finally {
    stop();
    // Ended early ([DONE], the consumer's return(), an error): the parser cancels the body.
    await events.return(undefined);
  }
  if (callerSignal?.aborted) throw clientClosed();
  // A stream that stops before any finish_reason or [DONE] was cut off: never pass that off as a clean end.
  if (!complete)
    throw new GatewayError('upstream_bad_response', 'The upstream stream ended before it was complete.');
}
