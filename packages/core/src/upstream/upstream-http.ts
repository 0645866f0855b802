// The upstream's HTTP transport: undici's request() on a keep-alive connection pool, bodies as Node streams.
import { Agent, type Dispatcher } from 'undici';
import type { HeaderReader } from '../resilience/retry-after.js';
import type { UpstreamAnswer } from './upstream-errors.js';

/**
 * Why undici's request() and not fetch (or ky, which runs on fetch): measured on this project's
 * 2-core machine against the simulator, client CPU per call was ~95 µs with request() and 390–670 µs
 * with Node's fetch, undici's fetch, or ky on either (see the README's Performance section).
 */
export interface UpstreamHttpResponse extends UpstreamAnswer {
  /** The body as it arrives; destroying it closes the connection. */
  body: Dispatcher.ResponseData['body'];
}

export interface UpstreamHttp {
  post(path: string, json: string, signal: AbortSignal): Promise<UpstreamHttpResponse>;
  get(path: string, signal: AbortSignal): Promise<UpstreamHttpResponse>;
  /** Closes the pool's idle connections and refuses new calls. */
  close(): Promise<void>;
}

export interface UpstreamHttpOptions {
  /** OpenAI-style base URL; its path is kept as the prefix of every call. */
  baseUrl: string;
  apiKey?: string | undefined;
  /** A pool to share (tests, benchmarks); default: one of our own. */
  dispatcher?: Dispatcher;
  /** Idle time after which our own pool closes a kept-alive connection (absent: undici's default). */
  keepAliveMs?: number;
  /** Sent on every call (e.g. OpenRouter's X-Title); the gateway's own headers win a clash. */
  headers?: Readonly<Record<string, string>> | undefined;
}

function ignore(): void {}

/** Only the start of an error body is read: it is for a message, and must not be unbounded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

function headerReader(headers: Dispatcher.ResponseData['headers']): HeaderReader {
  return {
    get: (name) => {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

async function boundedText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_ERROR_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES);
}

export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const owned = options.dispatcher === undefined;
  // Our own timers bound every call (headers, stream idle, stream duration), so undici's are off:
  // its 300 s body timeout would otherwise cut a long silent stream the operator allowed.
  const dispatcher =
    options.dispatcher ??
    new Agent({
      ...(options.keepAliveMs === undefined ? {} : { keepAliveTimeout: options.keepAliveMs }),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  const authorization = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const extra = options.headers ?? {};
  const jsonHeaders = {
    ...extra,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...authorization,
  };
  const getHeaders = { ...extra, accept: 'application/json', ...authorization };

  async function send(
    { method, path, body }: { method: 'GET' | 'POST'; path: string; body: string | undefined },
    signal: AbortSignal,
  ): Promise<UpstreamHttpResponse> {
    const response = await dispatcher.request({
      origin,
      path: `${prefix}/${path}`,
      method,
      headers: body === undefined ? getHeaders : jsonHeaders,
      ...(body === undefined ? {} : { body }),
      signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    // Read errors reach whoever reads the body; one that comes after the reader let go (a body
    // destroyed to close the connection emits UND_ERR_ABORTED) must not be an unhandled 'error'
    // event, which would end the process.
    response.body.on('error', ignore);
    return {
      status: response.statusCode,
      headers: headerReader(response.headers),
      body: response.body,
      text: () => boundedText(response.body),
    };
  }

  return {
    post: (path, json, signal) => send({ method: 'POST', path, body: json }, signal),
    get: (path, signal) => send({ method: 'GET', path, body: undefined }, signal),
    close: async () => {
      if (owned) await dispatcher.close();
    },
  };
}
