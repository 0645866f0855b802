// The client's HTTP layer: one ky instance (timeouts, retries by kind of call) under tRPC's links and the EventSource.
import ky, { type HTTPError, isHTTPError, type Options } from 'ky';
import { connectionRefused } from './network-failure.js';

/** A key, or a function that returns the current one (called for every request and every reconnect). */
export type ApiKey = string | (() => string | Promise<string>);

/** What tRPC's links and the EventSource call. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface HttpTimeouts {
  /** Queries (health, models, metrics, usage): until the answer's headers, per attempt. Default 10 s. */
  queryMs?: number;
  /**
   * Mutations (`chat.complete`, starting a stream): until the answer's headers, which for a completion
   * come after the whole generation. Default 10 minutes, as the OpenAI SDK.
   */
  callMs?: number;
}

export interface HttpRetryOptions {
  /** Retries after the first attempt (default 2). */
  limit?: number;
  /** The longest `Retry-After` a query waits for; a longer one is answered at once (default 10 s). */
  maxRetryAfterMs?: number;
}

export interface HttpLayerOptions {
  apiKey?: ApiKey | undefined;
  /** Sent on every request (the API key's `authorization` wins over one set here). */
  headers?: Record<string, string> | undefined;
  /** Under ky (default: the global fetch); called with a Request. */
  fetch?: typeof fetch | undefined;
  timeouts?: HttpTimeouts | undefined;
  /** The stream's event-source request: until its headers (default 10 s). */
  connectTimeoutMs?: number | undefined;
  retry?: HttpRetryOptions | undefined;
}

export interface HttpLayer {
  /** For tRPC's httpLink: GETs are queries, anything else a mutation. */
  linkFetch: FetchLike;
  /** For the EventSource of `httpSubscriptionLink`: headers (the API key) resolved on every (re)connect. */
  eventSourceFetch: FetchLike;
}

/** The user's apiKey function failed: the client reports that error itself, not a network failure. */
export class ApiKeyError extends Error {
  constructor(cause: unknown) {
    super('The apiKey function failed.', { cause });
    this.name = 'ApiKeyError';
  }
}

type Kind = 'query' | 'call' | 'stream';

const RETRY_STATUSES = [429, 503];
const DEFAULTS = { queryMs: 10_000, callMs: 600_000, connectMs: 10_000, limit: 2, maxRetryAfterMs: 10_000 };

/** Backoff between attempts when the gateway gave no `Retry-After`: 250 ms, 500 ms, … (with jitter). */
const backoff = (attempt: number) => Math.min(250 * 2 ** (attempt - 1), 4000);

/** Seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
function retryAfterMs(error: HTTPError): number | undefined {
  const value = error.response.headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The retry rule of each kind of call. Queries are idempotent: network errors, 429 and 503 are
 * retried (after `Retry-After` when the gateway says). A mutation or a stream may start a paid
 * upstream call, so it is retried only when the connection was refused: nothing was sent.
 */
function policy(kind: Kind, options: HttpLayerOptions): Options {
  const limit = options.retry?.limit ?? DEFAULTS.limit;
  switch (kind) {
    case 'query': {
      const maxRetryAfter = options.retry?.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
      return {
        timeout: options.timeouts?.queryMs ?? DEFAULTS.queryMs,
        // ky retries statuses only for responses it throws; the last one is handed back below.
        throwHttpErrors: (status) => RETRY_STATUSES.includes(status),
        retry: {
          limit,
          methods: ['get'],
          statusCodes: RETRY_STATUSES,
          afterStatusCodes: RETRY_STATUSES,
          maxRetryAfter,
          delay: backoff,
          jitter: true,
          // Waiting less than the gateway asked would only meet the same refusal.
          shouldRetry: ({ error }) =>
            isHTTPError(error) && (retryAfterMs(error) ?? 0) > maxRetryAfter ? false : undefined,
        },
      };
    }
    case 'call':
    case 'stream':
      return {
        timeout:
          kind === 'call'
            ? (options.timeouts?.callMs ?? DEFAULTS.callMs)
            : (options.connectTimeoutMs ?? DEFAULTS.connectMs),
        throwHttpErrors: false,
        retry: {
          limit,
          methods: ['get', 'post'],
          delay: backoff,
          jitter: true,
          shouldRetry: ({ error }) => connectionRefused(error),
        },
      };
  }
}

/** A refusal ky threw after its last retry, as the Response tRPC reads (status, headers, error body). */
function answerOf(error: HTTPError): Response {
  const { data, response } = error;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  const body = data === undefined ? null : typeof data === 'string' ? data : JSON.stringify(data);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

export function createHttpLayer(options: HttpLayerOptions): HttpLayer {
  const api = ky.create({
    // Looked up per call, so a test or a polyfill that replaces the global fetch later is used.
    fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
  });
  const { apiKey } = options;
  const policies: Record<Kind, Options> = {
    query: policy('query', options),
    call: policy('call', options),
    stream: policy('stream', options),
  };

  async function headersFor(init: RequestInit | undefined): Promise<Headers> {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    let key: string | undefined;
    try {
      key = typeof apiKey === 'function' ? await apiKey() : apiKey;
    } catch (error) {
      throw new ApiKeyError(error);
    }
    if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
    return headers;
  }

  async function send(kind: Kind, input: string | URL | Request, init: RequestInit | undefined) {
    const headers = await headersFor(init);
    try {
      return await api(input, { ...init, headers, ...policies[kind] });
    } catch (error) {
      if (isHTTPError(error)) return answerOf(error);
      throw error;
    }
  }

  return {
    linkFetch: (input, init) =>
      send((init?.method ?? 'GET').toUpperCase() === 'GET' ? 'query' : 'call', input, init),
    eventSourceFetch: (input, init) => send('stream', input, init),
  };
}
