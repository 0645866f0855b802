// Public types of the upstream simulator: replies, faults, stats, recorded requests, the handle and its options.

/** How normal (fault-free) chat requests are answered. */
export interface SimReply {
  /** Assistant text. Default: `defaultSimContent(lastUserText)`. */
  content?: string;
  /**
   * Number of content chunks in a stream (default 5); the content is split into that many even pieces.
   * Ignored for the content when `chunkBy` is `'words'`; tool-call arguments are always split by it.
   */
  chunks?: number;
  /**
   * How streamed content is cut (default `'even'`): `'even'` gives `chunks` pieces of equal length;
   * `'words'` gives one piece per word, each with the whitespace before it (`"Simulated"`, `" answer"`,
   * …; trailing whitespace stays with the last word), so the pieces join to the exact content, as a
   * real model's tokens do. Mid-stream faults' `afterChunks` counts these pieces.
   */
  chunkBy?: SimChunkBy;
  /** Delay between stream chunks in milliseconds (default 0). */
  chunkDelayMs?: number;
  /** Delay before the response headers in milliseconds (default 0). */
  latencyMs?: number;
  /**
   * When set (and non-empty), answer with `tool_calls` (finish_reason `tool_calls`, content `null`).
   * An empty array means "no tool calls", which is how `configure` switches them off again.
   */
  toolCalls?: Array<{ name: string; arguments: string }>;
}

/** How streamed content is cut into chunks; see `SimReply.chunkBy`. */
export type SimChunkBy = 'even' | 'words';

/**
 * A scripted answer: the simulator sends exactly what the test gives it, nothing added or changed
 * (no id, model or created of its own), so a test controls every field a provider might send.
 *
 * - `stream: true`: 200 `text/event-stream`; each event in order as `data: <JSON.stringify(event)>\n\n`
 *   (a string event is sent as the data text exactly, so a test can send malformed or pre-serialized
 *   data), `delayMs` apart, then `data: [DONE]\n\n` unless `done` is `false`, then the end. A client
 *   that leaves mid-script stops the writing and counts in `closedEarly`.
 * - otherwise: 200 `application/json` with `json` (a string is sent as the body text exactly); a script
 *   without `json` answers a 500 OpenAI error saying so.
 *
 * It is queued like a fault (`enqueue`, `setFaultAlways`, `POST /__sim/enqueue`), waits the reply's
 * `latencyMs` first, and counts in the stats and recorded requests like any other chat request.
 *
 * @example
 * sim.enqueue({
 *   kind: 'script',
 *   events: [
 *     { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm',
 *       choices: [{ index: 0, delta: { reasoning_content: 'Think' }, finish_reason: null }] },
 *     '{"id":"c1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}',
 *   ],
 *   delayMs: 10,
 * });
 */
export interface SimScriptFault {
  kind: 'script';
  /** The SSE events of a streamed answer, in order: objects are JSON-encoded, strings sent as they are. */
  events: ReadonlyArray<Record<string, unknown> | string>;
  /** The body of a non-streamed answer: an object is JSON-encoded, a string sent as it is. */
  json?: Record<string, unknown> | string;
  /** Milliseconds between consecutive events, `[DONE]` included (default 0: all written at once). */
  delayMs?: number;
  /** Whether `data: [DONE]` ends the stream (default true). */
  done?: boolean;
}

/**
 * A failure (or a scripted answer) the simulator injects into one chat request.
 *
 * `afterChunks` counts content chunks (the pieces `SimReply.chunks` / `chunkBy` cut); the opening
 * `role` chunk is always sent and not counted.
 */
export type SimFault =
  /** Answer with this status; default body is OpenAI's error shape for the status. A string body is sent as-is. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Read the request and never answer (until the client closes). */
  | { kind: 'hang' }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** Stream: send N chunks then destroy the socket. Non-stream: destroy after headers and half the body. */
  | { kind: 'reset-mid-stream'; afterChunks: number }
  /** Stream: send N chunks then stall forever. Non-stream: headers and half the body, then stall. */
  | { kind: 'hang-mid-stream'; afterChunks: number }
  /** 200 with a body that is not valid JSON (stream: a `data: {not json` event, then end). */
  | { kind: 'malformed' }
  /** Stream: N chunks, then `data: {"error":{...}}` and end. Non-stream: a 500 OpenAI error. */
  | { kind: 'error-event'; afterChunks: number }
  /** Not a failure: exactly the events (or JSON) the test scripted; see `SimScriptFault`. */
  | SimScriptFault;

/** A chat request as the simulator received it. */
export interface SimRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not valid JSON. */
  body: unknown;
}

/** Live counters. Control endpoints (`/__sim/*`) are not counted. */
export interface SimStats {
  /** Every HTTP request received. */
  requests: number;
  /** `POST /v1/chat/completions` received. */
  chatRequests: number;
  /** Chat requests with `stream: true`. */
  streamRequests: number;
  /** Responses whose client closed the connection before the response finished. */
  closedEarly: number;
  /** Responses in progress now. */
  active: number;
}

/** A running simulator. */
export interface UpstreamSim {
  /** `http://<host>:<port>`. */
  readonly url: string;
  /** `url + '/v1'`: what an OpenAI client takes as its base URL. */
  readonly baseUrl: string;
  readonly port: number;
  /** Live counters (the same object is updated in place). */
  readonly stats: Readonly<SimStats>;
  /** Chat requests received, newest last, the last 200 only (empty when started with `record: false`). */
  readonly requests: readonly SimRecordedRequest[];
  /** Changes reply defaults for the following requests (merged into the current ones). */
  configure(reply: Partial<SimReply>): void;
  /** The next chat requests get these faults, one each, in order; afterwards normal replies. */
  enqueue(...faults: SimFault[]): void;
  /** Enqueues the same fault `times` times. */
  enqueueRepeat(fault: SimFault, times: number): void;
  /** Every chat request gets this fault until cleared with `undefined` (queued faults go first). */
  setFaultAlways(fault: SimFault | undefined): void;
  /** Resolves when `predicate(stats)` is true (checked on each stats change); rejects after `timeoutMs` (default 2000). */
  waitFor(predicate: (s: SimStats) => boolean, timeoutMs?: number): Promise<void>;
  /** Clears counters, recorded requests, queued and permanent faults; restores the start-up reply defaults. */
  reset(): void;
  /** Closes the server and destroys open sockets (including hung ones). */
  close(): Promise<void>;
}

/** Options of `startUpstreamSim`. */
export interface UpstreamSimOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Host to bind (default `127.0.0.1`). */
  host?: string;
  /** Reply defaults at start-up (and after `reset()`). */
  reply?: Partial<SimReply>;
  /** Models listed by `GET /v1/models`; the first answers requests without a model. */
  models?: string[];
  /** When set, requests to `/v1/*` without `Authorization: Bearer <apiKey>` get a 401 (`invalid_api_key`). */
  apiKey?: string;
  /** Record chat requests in `requests` (default true; turn off for benchmarks). */
  record?: boolean;
}
