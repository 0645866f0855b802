// Sending a fuzz request, and the checks every answer must pass (status, shape by route, no key in it).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { expectOpenAIShape, sseDataLines } from '@llm-gateway/test-support';
import { CLIENT_KEY, type FuzzGateway, REQUEST_TIMEOUT_MS, UPSTREAM_KEY } from './fuzz-gateway.js';
import type { FuzzRequest } from './fuzz-requests.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `req` over the agent and reads the whole answer. */
export function send(fuzz: FuzzGateway, req: FuzzRequest): Promise<Answer> {
  const { port, agent } = fuzz;
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

/** A 2xx of the tRPC adapter: a result, a batch (207 when mixed), or a subscription's event stream. */
function checkTrpcSuccess(answer: Answer): void {
  const type = String(answer.headers['content-type']);
  if (type.startsWith('text/event-stream')) {
    // Every payload is JSON, but a `return` event carries an empty one.
    for (const data of sseDataLines(answer.body)) if (data !== '') parseJson(data);
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
    const data = sseDataLines(answer.body);
    if (!answer.body.endsWith('data: [DONE]\n\n') || data.at(-1) !== '[DONE]')
      throw new Error(`stream did not end with [DONE]: ${answer.body.slice(-300)}`);
    for (const chunk of data.slice(0, -1))
      expectOpenAIShape('CreateChatCompletionStreamResponse', parseJson(chunk));
    return;
  }
  const body = parseJson(answer.body);
  if (pathname === '/v1/chat/completions') expectOpenAIShape('CreateChatCompletionResponse', body);
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
export function checkAnswer(req: FuzzRequest, answer: Answer): void {
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

export const describeRequest = (req: FuzzRequest) =>
  `${req.method} ${req.path} ${JSON.stringify(req.headers)} body=${
    req.body === undefined ? '-' : JSON.stringify(Buffer.from(req.body).toString('utf8').slice(0, 200))
  }`;
