// Arbitraries for whole fuzz requests: method, path (REST, tRPC, anything), headers, body and framing.
import fc from 'fast-check';
import { type Body, chars, printable, restBody, trpcBody } from './fuzz-bodies.js';
import { CLIENT_KEY } from './fuzz-gateway.js';

/** Everything Node lets a client put in a header value: visible ASCII, space, tab and obs-text. */
const headerValue = fc.oneof(
  printable,
  fc.string({ unit: fc.oneof(chars(0x20, 0x7e), chars(0x80, 0xff), fc.constant('\t')), maxLength: 60 }),
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

export interface FuzzRequest {
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

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
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
