// Fuzzes the built gateway with thousands of random and malformed requests: no 5xx, well-formed answers, no leak, no crash.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAISchemaErrors, type SpawnedGateway, spawnGateway } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const UPSTREAM_KEY = 'sk-upstream-fuzz-5b2e8c1d9a73';
const CLIENT_KEY = 'gw-fuzz-client-3c9d41e7f2a8';
/** Small, so that the 413 path is cheap to reach. */
const BODY_LIMIT = 16_384;
/** Requests in flight at once: each property run sends one batch of this size concurrently. */
const CONCURRENCY = 8;
/**
 * 250 runs × 8 = 2,000 requests before the memory baseline: V8 and the allocator grow the heap in
 * steps (~16 MB) for the first thousands of requests, and a baseline taken earlier reads that as growth.
 */
const WARMUP_RUNS = 250;
/** 375 runs × 8 = 3,000 requests after the warm-up. */
const MAIN_RUNS = 375;
/**
 * Nesting depth of generated JSON values: far past the gateway's limit (64) and past the depth
 * (~4,000) at which unbounded recursion used to overflow the stack and open the breaker.
 */
const MAX_NESTING = 6000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Where the child writes its heap snapshot (see liveHeapOf). */
const HEAP_DIR = mkdtempSync(join(tmpdir(), 'gateway-heap-'));

let sim: UpstreamSim;
let gateway: SpawnedGateway;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
/** Request ids of every answer, to name the request behind an error-level log line. */
const sentById = new Map<string, string>();
let sent = 0;
const rss: { baseline?: number; after?: number } = {};

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false });
  // LOG_LEVEL stays info: spawnGateway waits for Fastify's info-level "Server listening" line.
  gateway = await spawnGateway({
    PROXYAPI_API_KEY: UPSTREAM_KEY,
    OPENROUTER_BASE_URL: sim.baseUrl,
    GATEWAY_API_KEYS: CLIENT_KEY,
    CACHE_ENABLED: 'false',
    RATE_LIMIT_ENABLED: 'false',
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    LOG_LEVEL: 'info',
    NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${HEAP_DIR}`,
  });
  port = Number(new URL(gateway.url).port);
}, 30_000);

afterAll(async () => {
  agent.destroy();
  await gateway?.stop('SIGKILL');
  await sim?.close();
  rmSync(HEAP_DIR, { recursive: true, force: true });
});

// ---------------------------------------------------------------- generators

const chars = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));
/** Any code point, lone surrogates included (JSON.stringify escapes them). */
const anyText = (maxLength = 40) => fc.string({ unit: 'binary', maxLength });
const printable = fc.string({ unit: chars(0x20, 0x7e), maxLength: 60 });
/** Everything Node lets a client put in a header value: visible ASCII, space, tab and obs-text. */
const headerValue = fc.oneof(
  printable,
  fc.string({ unit: fc.oneof(chars(0x20, 0x7e), chars(0x80, 0xff), fc.constant('\t')), maxLength: 60 }),
);

const message = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'system', 'developer'), content: anyText() }),
  fc.record({
    role: fc.constant('user'),
    content: fc.array(fc.record({ type: fc.constant('text'), text: anyText() }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(anyText(), { nil: null }) }),
);

/** A request the gateway must accept. */
const chatBody = fc.record(
  {
    model: fc.constantFrom('deepseek/deepseek-v3.2', 'sim/echo', 'some/model'),
    messages: fc.array(message, { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    user: printable,
    stop: fc.oneof(printable, fc.array(printable, { maxLength: 3 })),
    seed: fc.integer(),
    metadata: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['messages'] },
);

/** A deeply nested value, written out as text: JSON.stringify in this worker overflows long before the gateway. */
class Deep {
  constructor(
    readonly depth: number,
    readonly asArray: boolean,
  ) {}
  text(): string {
    const { depth, asArray } = this;
    return asArray
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
}

/** JSON text of a generated body, with every Deep value spelt out in place. */
function toJson(value: unknown): string {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Deep ? `\u0000deep${deep.push(v) - 1}` : v,
  );
  return text.replace(
    /"\\u0000deep(\d+)"/g,
    (_match, index: string) => deep[Number(index)]?.text() ?? 'null',
  );
}

const nested = fc
  .tuple(fc.integer({ min: 1, max: MAX_NESTING }), fc.boolean())
  .map(([depth, asArray]) => new Deep(depth, asArray));

const weirdValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    1e308,
    -1e308,
    2 ** 53 + 2,
    Number.MIN_VALUE,
    -1,
    0,
    0.5,
    3,
    '',
    'null',
    true,
    null,
    [],
    {},
  ),
  anyText(200),
  nested,
);

const MUTATION_TARGETS = [
  'model',
  'messages',
  'stream',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'user',
  'seed',
  'tools',
  'tool_choice',
  'response_format',
  'stream_options',
  '__proto__',
  'constructor',
  'messages.0',
  'messages.0.role',
  'messages.0.content',
  'messages.0.name',
  'messages.0.tool_calls',
] as const;

/** A valid request with one field set to a wrong type, a huge number, odd text or deep nesting (or removed). */
const mutatedChatBody = fc
  .tuple(chatBody, fc.constantFrom(...MUTATION_TARGETS), weirdValue, fc.boolean())
  .map(([body, target, value, remove]) => {
    // Computed keys define own properties, so even `__proto__` ends up in the JSON text.
    const copy: Record<string, unknown> = { ...body, messages: body.messages.map((m) => ({ ...m })) };
    const [head, index, field] = target.split('.');
    if (head === undefined) return copy;
    if (index === undefined) {
      if (remove) delete copy[head];
      else Object.defineProperty(copy, head, { value, enumerable: true, writable: true, configurable: true });
      return copy;
    }
    const messages = copy.messages as unknown[];
    if (field === undefined) messages[0] = value;
    else if (remove) delete (messages[0] as Record<string, unknown>)[field];
    else (messages[0] as Record<string, unknown>)[field] = value;
    return copy;
  });

/** Number spellings JSON.stringify cannot produce (some are not JSON at all). */
const numberLiteralBody = fc
  .tuple(
    fc.constantFrom('temperature', 'max_tokens', 'seed', 'top_p', 'n'),
    fc.constantFrom(
      '1e400',
      '-1e400',
      '1e-400',
      '99999999999999999999',
      '-0',
      '1.0',
      '0x10',
      'NaN',
      '.5',
      '01',
    ),
  )
  .map(([key, literal]) => `{"messages":[{"role":"user","content":"n"}],"${key}":${literal}}`);

const truncatedBody = fc.tuple(chatBody, fc.nat()).map(([body, cut]) => {
  const text = JSON.stringify(body);
  return text.slice(0, cut % text.length);
});

/** Bytes that are not UTF-8 inside an otherwise valid request. */
const invalidUtf8Body = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) =>
    Buffer.concat([
      Buffer.from('{"messages":[{"role":"user","content":"'),
      Buffer.from(bytes.map((b) => (b === 0x22 || b === 0x5c ? 0xff : b))),
      Buffer.from('"}]}'),
    ]),
  );

const oversizedBody = fc
  .integer({ min: BODY_LIMIT, max: BODY_LIMIT * 2 })
  .map((size) => JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(size) }] }));

const oddBody = fc.constantFrom(
  '',
  ' ',
  'null',
  '{}',
  '[]',
  '"messages"',
  '\ufeff{"messages":[{"role":"user","content":"bom"}]}',
  '{"messages":[{"role":"user","content":"dup"}],"messages":5}',
  '{"messages":[{"role":"user","content":"x"}]} trailing',
);

type Body = string | Uint8Array;

const restBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: chatBody.map((b) => JSON.stringify(b)) },
  { weight: 6, arbitrary: mutatedChatBody.map((b) => toJson(b)) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: numberLiteralBody },
  { weight: 2, arbitrary: truncatedBody },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 1, arbitrary: invalidUtf8Body },
  { weight: 1, arbitrary: anyText(100) },
  { weight: 1, arbitrary: oversizedBody },
  { weight: 1, arbitrary: oddBody },
);

/** tRPC bodies carry the input under `json` (superjson); batches key inputs by index. */
const trpcBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: chatBody.map((b) => JSON.stringify({ json: b })) },
  { weight: 4, arbitrary: mutatedChatBody.map((b) => toJson({ json: b })) },
  { weight: 1, arbitrary: chatBody.map((b) => JSON.stringify({ 0: { json: b } })) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify({ json: v })) },
  { weight: 2, arbitrary: restBody },
);

const segment = fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent);
const queryInput = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }).map((v) => ({ json: v })),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map((v) => `input=${encodeURIComponent(JSON.stringify(v))}`);
const PROCEDURES = [
  'health',
  'metrics',
  'models.list',
  'chat',
  'chat.complete',
  'chat.startStream',
  'chat.stream',
];

const chatPath = fc.oneof(
  { weight: 12, arbitrary: fc.constant('/v1/chat/completions') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/v1/chat/completions/',
      '/v1//chat/completions',
      '/V1/chat/completions',
      '/v1/chat/completions?stream=true',
      '/v1/chat%2Fcompletions',
      '/v1/./chat/completions',
      '/v1/chat/../chat/completions',
      '/v1/chat/completions;x=1',
    ),
  },
);

const randomPath = fc.oneof(
  fc.constantFrom(
    '/v1',
    '/v1/',
    '/v1/models',
    '/v1/models/x',
    '/trpc',
    '/trpc/',
    '/trpc//health',
    '/trpc/a/b',
  ),
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/v1/${parts.join('/')}`),
  segment.map((s) => `/trpc/${s}`),
  fc
    .tuple(fc.array(fc.constantFrom(...PROCEDURES), { minLength: 1, maxLength: 3 }), fc.option(queryInput))
    .map(([procs, input]) => `/trpc/${procs.join(',')}?batch=1${input ? `&${input}` : ''}`),
);

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | undefined>(`Bearer ${CLIENT_KEY}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: printable.map((v) => `Bearer ${v}`) },
  { weight: 1, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.constantFrom(`bearer \t${CLIENT_KEY}  `, 'Basic Zm9vOmJhcg==', 'Bearer', '') },
);

const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=UTF-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/jsonx',
      'application/vnd.api+json',
      '*/*',
      '',
      ';;;',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

/** Header names the HTTP layer itself owns (framing, Expect's automatic 417) stay out of the random set. */
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'content-type',
  'authorization',
  'x-request-id',
]);
const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'cache-control',
      'accept',
      'accept-encoding',
      'content-encoding',
      'trpc-accept',
      'x-forwarded-for',
      'x-http-method-override',
      'x-api-key',
      'origin',
    ),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  ),
  fc.oneof(
    fc.constantFrom(
      'no-cache',
      'no-store',
      'NO-STORE, no-cache',
      'max-age=0',
      'text/event-stream',
      'application/jsonl',
      'gzip',
      'GET',
    ),
    headerValue,
  ),
  { maxKeys: 3 },
);

const headers = fc
  .record({
    authorization,
    contentType,
    requestId: fc.option(fc.oneof(fc.uuid(), printable, headerValue), { nil: undefined }),
    extra: extraHeaders,
  })
  .map(({ authorization, contentType, requestId, extra }) => {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(extra)) if (!RESERVED.has(name)) result[name] = value;
    if (authorization !== undefined) result.authorization = authorization;
    if (contentType !== undefined) result['content-type'] = contentType;
    if (requestId !== undefined) result['x-request-id'] = requestId;
    return result;
  });

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Body | undefined;
  /** Send the body in two writes (chunked transfer encoding) instead of with a Content-Length. */
  chunked: boolean;
}

const mostlyPost = fc.oneof(
  { weight: 10, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND') },
);
const anyMethod = fc.constantFrom(
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'PROPFIND',
  'SEARCH',
);

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      method: mostlyPost,
      path: chatPath,
      headers,
      body: fc.option(restBody, { nil: undefined, freq: 20 }),
      chunked: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      method: mostlyPost,
      path: fc.constantFrom('/trpc/chat.complete', '/trpc/chat.startStream', '/trpc/chat.complete?batch=1'),
      headers,
      body: fc.option(trpcBody, { nil: undefined, freq: 20 }),
      chunked: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: anyMethod }),
      path: fc.oneof(
        fc
          .tuple(fc.constantFrom(...PROCEDURES), fc.option(queryInput))
          .map(([p, q]) => `/trpc/${p}${q ? `?${q}` : ''}`),
        printable.map(
          (id) => `/trpc/chat.stream?input=${encodeURIComponent(JSON.stringify({ json: { streamId: id } }))}`,
        ),
        fc.constantFrom('/v1/models', '/v1/models?x=1'),
      ),
      headers,
      body: fc.constant(undefined),
      chunked: fc.constant(false),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: anyMethod,
      path: randomPath,
      headers,
      body: fc.option(fc.oneof(restBody, trpcBody), { nil: undefined }),
      chunked: fc.boolean(),
    }),
  },
);

// ---------------------------------------------------------------- sending and checking

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(req: FuzzRequest): Promise<Answer> {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const chunked = body !== undefined && req.chunked && body.length > 1;
  // Node frames a GET/HEAD/DELETE/OPTIONS body only when told to; unframed bytes would be the client's bug.
  const framing =
    body === undefined
      ? {}
      : chunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(body.length) };
  const headers = { ...req.headers, ...framing };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error('no answer in time')));
    outgoing.on('error', reject);
    if (chunked) {
      outgoing.write(body.subarray(0, body.length >> 1));
      outgoing.end(body.subarray(body.length >> 1));
    } else {
      outgoing.end(body);
    }
  });
}

type Json = unknown;
const isRecord = (v: Json): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`body is not JSON: ${text.slice(0, 300)}`);
  }
}

/** OpenAI's error body, exactly: `{"error":{"message","type","param","code"}}`. */
function checkOpenAIError(body: Json): void {
  const keys = isRecord(body) ? Object.keys(body) : [];
  const error = isRecord(body) ? body.error : undefined;
  if (
    keys.join() !== 'error' ||
    !isRecord(error) ||
    Object.keys(error).sort().join() !== 'code,message,param,type' ||
    typeof error.message !== 'string' ||
    error.message === '' ||
    typeof error.type !== 'string' ||
    typeof error.code !== 'string' ||
    (error.param !== null && typeof error.param !== 'string')
  ) {
    throw new Error(`not OpenAI's error shape: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/** tRPC's error envelope (superjson-wrapped) with the gateway's data; `status` is the HTTP status it claims. */
function checkTrpcError(envelope: Json, status?: number): void {
  const json = isRecord(envelope) && isRecord(envelope.error) ? envelope.error.json : undefined;
  const data = isRecord(json) ? json.data : undefined;
  const gateway = isRecord(data) ? data.gateway : undefined;
  if (
    !isRecord(json) ||
    typeof json.message !== 'string' ||
    typeof json.code !== 'number' ||
    !isRecord(data) ||
    typeof data.code !== 'string' ||
    typeof data.httpStatus !== 'number' ||
    data.httpStatus >= 500 ||
    (status !== undefined && data.httpStatus !== status) ||
    'stack' in data ||
    !isRecord(gateway) ||
    typeof gateway.code !== 'string'
  ) {
    throw new Error(
      `not a tRPC error envelope (status ${status}): ${JSON.stringify(envelope).slice(0, 300)}`,
    );
  }
}

function checkSchema(
  name: 'CreateChatCompletionResponse' | 'CreateChatCompletionStreamResponse',
  value: Json,
) {
  const errors = openAISchemaErrors(name, value);
  if (errors.length > 0) throw new Error(`${name} violations: ${errors.join('; ')}`);
}

/** `data:` payloads of an SSE body, in order. */
const sseData = (body: string) => [...body.matchAll(/^data: (.*)$/gm)].map((m) => m[1] ?? '');

/** A 2xx of the tRPC adapter: a result, a batch (207 when mixed), or a subscription's event stream. */
function checkTrpcSuccess(answer: Answer): void {
  const type = String(answer.headers['content-type']);
  if (type.startsWith('text/event-stream')) {
    // Every payload is JSON, but a `return` event carries an empty one.
    for (const data of sseData(answer.body)) if (data !== '') parseJson(data);
    const errors = [...answer.body.matchAll(/^event: serialized-error\ndata: (.*)$/gm)];
    for (const match of errors) checkTrpcError({ error: parseJson(match[1] ?? '') });
    if (errors.length === 0 && !/^event: return$/m.test(answer.body))
      throw new Error(`event stream ended without a return or error event: ${answer.body.slice(-300)}`);
    return;
  }
  // httpBatchStreamLink's JSON lines (trpc-accept: application/jsonl) are checked as parseable only.
  if (answer.headers['transfer-encoding'] === 'chunked' && answer.body.includes('\n')) {
    for (const line of answer.body.split('\n').filter((l) => l !== '')) parseJson(line);
    return;
  }
  const body = parseJson(answer.body);
  for (const item of Array.isArray(body) ? body : [body]) {
    if (isRecord(item) && 'error' in item) checkTrpcError(item);
    else if (!isRecord(item) || !isRecord(item.result))
      throw new Error(`not a tRPC result: ${answer.body.slice(0, 300)}`);
  }
}

function checkRestSuccess(pathname: string, answer: Answer): void {
  const type = String(answer.headers['content-type']);
  if (pathname === '/v1/chat/completions' && type.startsWith('text/event-stream')) {
    const data = sseData(answer.body);
    if (!answer.body.endsWith('data: [DONE]\n\n') || data.at(-1) !== '[DONE]')
      throw new Error(`stream did not end with [DONE]: ${answer.body.slice(-300)}`);
    for (const chunk of data.slice(0, -1))
      checkSchema('CreateChatCompletionStreamResponse', parseJson(chunk));
    return;
  }
  const body = parseJson(answer.body);
  if (pathname === '/v1/chat/completions') checkSchema('CreateChatCompletionResponse', body);
  else if (
    pathname === '/v1/models' &&
    !(isRecord(body) && body.object === 'list' && Array.isArray(body.data))
  )
    throw new Error(`not a model list: ${answer.body.slice(0, 300)}`);
}

/** Methods the tRPC adapter registers its route for (Fastify's `all`). */
const TRPC_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** A request tRPC's route takes (`/trpc/:path`); anything else is Fastify's, and errors in OpenAI's shape. */
const isTrpcRoute = (method: string, pathname: string) =>
  TRPC_METHODS.has(method) && /^\/trpc\/[^/]*$/.test(pathname);

/** The properties every answer must have; throws with the reason. */
function checkAnswer(req: FuzzRequest, answer: Answer): void {
  const pathname = req.path.split('?')[0] ?? '';
  const trpc = isTrpcRoute(req.method, pathname);
  const requestId = answer.headers['x-request-id'];
  if (typeof requestId !== 'string' || requestId === '') throw new Error('no x-request-id');
  const everything = JSON.stringify(answer.headers) + answer.body;
  if (everything.includes(UPSTREAM_KEY) || everything.includes(CLIENT_KEY)) throw new Error('a key leaked');
  if (answer.status >= 500 || answer.status < 200 || (answer.status >= 300 && answer.status < 400))
    throw new Error(`status ${answer.status}: ${answer.body.slice(0, 300)}`);
  if (req.method === 'HEAD') return;
  if (answer.status >= 400) {
    const body = parseJson(answer.body);
    if (!trpc) {
      checkOpenAIError(body);
      return;
    }
    const checkTrpc = () => {
      if (Array.isArray(body)) for (const item of body) checkTrpcError(item);
      else checkTrpcError(body, answer.status);
    };
    // A body Fastify refuses (too large, or a content type without a parser) never reaches tRPC, so
    // that 413/415 comes in OpenAI's shape, while tRPC's own 415 has its envelope (reported as an
    // inconsistency); either shape is accepted for these two statuses only.
    if (answer.status === 413 || answer.status === 415) {
      try {
        checkOpenAIError(body);
      } catch {
        checkTrpc();
      }
    } else {
      checkTrpc();
    }
    return;
  }
  if (trpc) checkTrpcSuccess(answer);
  else checkRestSuccess(pathname, answer);
}

const describeRequest = (req: FuzzRequest) =>
  `${req.method} ${req.path} ${JSON.stringify(req.headers)} body=${
    req.body === undefined ? '-' : JSON.stringify(Buffer.from(req.body).toString('utf8').slice(0, 200))
  }`;

/** Sends one request, checks the answer; a tRPC stream ticket is then claimed and its stream checked too. */
async function exercise(req: FuzzRequest): Promise<void> {
  const answer = await send(req).catch((error: unknown) => {
    throw new Error(`${describeRequest(req)}\n→ client error: ${String(error)}`);
  });
  sent++;
  const requestId = answer.headers['x-request-id'];
  if (typeof requestId === 'string') sentById.set(requestId, describeRequest(req));
  try {
    checkAnswer(req, answer);
  } catch (error) {
    throw new Error(
      `${describeRequest(req)}\n→ ${answer.status} ${JSON.stringify(answer.headers)} ${answer.body.slice(0, 300)}\n→ ${(error as Error).message}`,
    );
  }
  const streamId = /"streamId":"([^"]+)"/.exec(answer.body)?.[1];
  if (req.method === 'POST' && req.path === '/trpc/chat.startStream' && answer.status === 200 && streamId) {
    const input = encodeURIComponent(JSON.stringify({ json: { streamId } }));
    const follow: FuzzRequest = {
      method: 'GET',
      path: `/trpc/chat.stream?input=${input}`,
      headers: req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization },
      body: undefined,
      chunked: false,
    };
    await exercise(follow);
  }
}

/**
 * fast-check's own report prints every value of the failing batch in full (bodies of 30 KB); this
 * one gives the seed to replay (FUZZ_SEED, FUZZ_PATH) and the failing request, shortened.
 */
function report<Ts>(details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `Property failed after ${details.numRuns} runs; replay with FUZZ_SEED=${details.seed} (add FUZZ_PATH=${details.counterexamplePath} to send only the failing batch)\n${cause}`,
  );
}

/** Replays a reported failure; otherwise every run draws a new seed (printed on failure). */
const replay = (): { seed?: number; path?: string } => {
  const seed = process.env.FUZZ_SEED;
  const path = process.env.FUZZ_PATH;
  return { ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
};

const batch = fc.array(fuzzRequest, { minLength: CONCURRENCY, maxLength: CONCURRENCY });
const property = fc.asyncProperty(batch, async (requests) => {
  await Promise.all(requests.map(exercise));
});

/** The child's resident set size in bytes. */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

/**
 * The child's live heap in bytes: SIGUSR2 makes it write a heap snapshot, which V8 takes after a full
 * garbage collection, so the sum of the objects' sizes is what is really retained.
 */
async function liveHeapOf(child: SpawnedGateway): Promise<number> {
  child.process.kill('SIGUSR2');
  // The snapshot is written on the child's main thread: once it answers again, the file is complete.
  await pause(100);
  expect((await fetch(`${child.url}/health`)).status).toBe(200);
  const file = readdirSync(HEAP_DIR).find((name) => name.endsWith('.heapsnapshot'));
  if (file === undefined) throw new Error(`no heap snapshot in ${HEAP_DIR}`);
  const snapshot = JSON.parse(readFileSync(join(HEAP_DIR, file), 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  rmSync(join(HEAP_DIR, file));
  const fields = snapshot.snapshot.meta.node_fields;
  let total = 0;
  for (let i = fields.indexOf('self_size'); i < snapshot.nodes.length; i += fields.length)
    total += snapshot.nodes[i] ?? 0;
  return total;
}

// ---------------------------------------------------------------- tests

describe('fuzzed requests against the built gateway', () => {
  it('answers every random request with a 2xx or 4xx in the right shape', async () => {
    const started = Date.now();
    // The warm-up also lets Fastify, V8 and the logger settle, so the baseline is near the steady state.
    await fc.assert(property, {
      numRuns: WARMUP_RUNS,
      endOnFailure: true,
      interruptAfterTimeLimit: 30_000,
      reporter: report,
      ...replay(),
    });
    await pause(500);
    rss.baseline = rssOf(gateway.process.pid ?? 0);

    // No shrinking: the gateway keeps state (breaker, stream tickets), so replaying smaller inputs
    // against the same process would blame whichever request came after the real culprit.
    await fc.assert(property, {
      numRuns: MAIN_RUNS,
      endOnFailure: true,
      interruptAfterTimeLimit: 45_000,
      reporter: report,
      ...replay(),
    });
    await pause(1_000);
    rss.after = rssOf(gateway.process.pid ?? 0);
    console.info(
      `fuzz: ${sent} requests in ${Date.now() - started} ms; RSS ${(rss.baseline / MB).toFixed(1)} MB after warm-up, ${(rss.after / MB).toFixed(1)} MB after`,
    );
    // A time-boxed run must still have done real work.
    expect(sent).toBeGreaterThanOrEqual((WARMUP_RUNS + MAIN_RUNS) * CONCURRENCY * 0.5);

    // Every unexpected error is logged at error level ("Unexpected error"); none may have happened.
    // Log lines reach stdout in batches at most 250 ms late: let the last batch arrive first.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const errors = gateway.output.filter((line) => /"level":(50|60)/.test(line));
    const culprits = errors.map((line) => {
      const reqId = /"reqId":"([^"]+)"/.exec(line)?.[1];
      return `${line.slice(0, 400)}\n  ← ${reqId === undefined ? '?' : (sentById.get(reqId) ?? '?')}`;
    });
    expect(culprits).toEqual([]);
  }, 150_000);

  it('returns to its memory baseline', async () => {
    // RSS is a coarse signal: it counts garbage V8 has not collected yet and pages V8 and malloc keep
    // after freeing. Measured here over 3,000 requests after the warm-up: +2 to +50 MB, while heap
    // snapshots showed the live heap flat (24-28 MB across 19,000 requests). 64 MB sits above that
    // noise; it still catches a leak of a body, stream or socket per request (>= ~20 KB each).
    expect(rss.baseline).toBeGreaterThan(0);
    expect(rss.after).toBeDefined();
    const growth = (rss.after ?? 0) - (rss.baseline ?? 0);
    expect(growth).toBeLessThan(64 * MB);

    // The precise check: what the child still retains after a full GC, 5,000 requests in. It ran at
    // 24-28 MB; 40 MB catches a leak of ~3 KB per request. (Taken last: a snapshot itself inflates RSS.)
    const live = await liveHeapOf(gateway);
    console.info(`fuzz: live heap after the run ${(live / MB).toFixed(1)} MB`);
    expect(live).toBeLessThan(40 * MB);
  }, 30_000);

  it('survives broken HTTP framing (wrong Content-Length, bad chunking) with a 4xx or a closed connection', async () => {
    // Known and reported: such a request is logged as "Unexpected error" (the aborted body maps to
    // internal_error), so this property checks only what the client sees and that the process lives on.
    const framing = fc
      .record({
        path: fc.constantFrom('/v1/chat/completions', '/trpc/chat.complete'),
        body: chatBody.map((b) => JSON.stringify(b)),
        kind: fc.constantFrom('short', 'long', 'bad-chunk', 'cut-chunk', 'both'),
        delta: fc.integer({ min: 1, max: 64 }),
      })
      .map(({ path, body, kind, delta }) => {
        const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\n`;
        const length = Buffer.byteLength(body);
        switch (kind) {
          case 'short':
            return `${head}Content-Length: ${Math.max(0, length - delta)}\r\n\r\n${body}`;
          case 'long':
            return `${head}Content-Length: ${length + delta}\r\n\r\n${body}`;
          case 'bad-chunk':
            return `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`;
          case 'cut-chunk':
            return `${head}Transfer-Encoding: chunked\r\n\r\n${(length + delta).toString(16)}\r\n${body}`;
          default:
            return `${head}Transfer-Encoding: chunked\r\nContent-Length: ${length}\r\n\r\n${length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
        }
      });
    await fc.assert(
      fc.asyncProperty(framing, async (raw) => {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let text = '';
          socket.setTimeout(REQUEST_TIMEOUT_MS, () =>
            socket.destroy(new Error('connection not closed in time')),
          );
          socket.on('data', (data: Buffer) => {
            text += data.toString('latin1');
          });
          socket.on('close', () => resolve(text));
          // A reset is an acceptable end; only a hang or a 5xx is not.
          socket.on('error', (error: NodeJS.ErrnoException) =>
            error.code === 'ECONNRESET' ? resolve(text) : reject(error),
          );
          // Half-close after writing, so a too-long Content-Length meets an end of stream, not a wait.
          socket.end(raw);
        });
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(reply)?.[1];
        if (status !== undefined && !/^[24]/.test(status))
          throw new Error(`status ${status}:\n${reply.slice(0, 500)}`);
      }),
      { numRuns: 200, reporter: report },
    );
  }, 60_000);

  it('is still up afterwards', async () => {
    expect(gateway.process.exitCode).toBeNull();
    expect(gateway.process.signalCode).toBeNull();
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(chat.status).toBe(200);
  });
});
