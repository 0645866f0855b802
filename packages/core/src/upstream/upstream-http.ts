// The upstream's HTTP transport on a keep-alive connection pool: answers read whole, or a stream's body pushed as it arrives.
import { Agent, type Dispatcher } from 'undici';
import {
  dispatchStream,
  dispatchWhole,
  type ExchangeCall,
  type StreamResponse,
  type WholeResponse,
} from './upstream-exchange.js';

/**
 * Why undici's dispatch() and not fetch (or ky, which runs on fetch): measured on this project's
 * 2-core machine against the simulator, client CPU per call was ~95 µs with request() and 390–670 µs
 * with Node's fetch, undici's fetch, or ky on either (see the README's Performance section); our own
 * handler (upstream-exchange.ts) costs less again than request().
 */
export interface UpstreamHttp {
  /** A POST whose answer is read whole (a JSON completion). */
  postWhole(path: string, json: string, call: ExchangeCall): Promise<WholeResponse>;
  /** A GET read whole (the model list). */
  getWhole(path: string, call: ExchangeCall): Promise<WholeResponse>;
  /** A POST whose 2xx body is pushed as it arrives (a stream); an error status is read whole. */
  postStream(path: string, json: string, call: ExchangeCall): Promise<StreamResponse | WholeResponse>;
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

  const request = (path: string, body: string | undefined): Dispatcher.DispatchOptions => ({
    origin,
    path: `${prefix}/${path}`,
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? getHeaders : jsonHeaders,
    body: body ?? null,
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  return {
    postWhole: (path, json, call) => dispatchWhole(dispatcher, request(path, json), call),
    getWhole: (path, call) => dispatchWhole(dispatcher, request(path, undefined), call),
    postStream: (path, json, call) => dispatchStream(dispatcher, request(path, json), call),
    close: async () => {
      if (owned) await dispatcher.close();
    },
  };
}
