// Bad requests get OpenAI-shaped 4xx errors naming the field, never reach the upstream, and break nothing.
import { caught, expectOpenAIShape } from '@llm-gateway/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim.reset());

const user = [{ role: 'user', content: 'hi' }];

interface Case {
  name: string;
  body: string | object;
  status: number;
  code: string;
  param?: string | null;
  headers?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"messages": [', status: 400, code: 'invalid_json' },
  { name: 'a JSON array', body: '[1,2]', status: 400, code: 'invalid_request', param: null },
  { name: 'missing messages', body: { model: 'm' }, status: 400, code: 'invalid_request', param: 'messages' },
  { name: 'empty messages', body: { messages: [] }, status: 400, code: 'invalid_request', param: 'messages' },
  {
    name: 'messages not an array',
    body: { messages: 'hi' },
    status: 400,
    code: 'invalid_request',
    param: 'messages',
  },
  {
    name: 'unknown role',
    body: { messages: [{ role: 'wizard', content: 'x' }] },
    status: 400,
    code: 'invalid_request',
    param: 'messages[0].role',
  },
  {
    name: 'content of the wrong type',
    body: { messages: [{ role: 'user', content: 42 }] },
    status: 400,
    code: 'invalid_request',
    param: 'messages[0].content',
  },
  {
    name: 'temperature as a string',
    body: { messages: user, temperature: 'hot' },
    status: 400,
    code: 'invalid_request',
    param: 'temperature',
  },
  {
    name: 'stream not a boolean',
    body: { messages: user, stream: 'yes' },
    status: 400,
    code: 'invalid_request',
    param: 'stream',
  },
  {
    name: 'max_tokens negative',
    body: { messages: user, max_tokens: -5 },
    status: 400,
    code: 'invalid_request',
    param: 'max_tokens',
  },
  {
    name: 'a 2 MiB body',
    body: { messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] },
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'a non-JSON content type',
    body: 'messages=hi',
    status: 415,
    code: 'unsupported_media_type',
    headers: { 'content-type': 'text/plain' },
  },
];

describe('bad input', () => {
  it.each(cases)('$name → $status $code', async ({ body, status, code, param, headers }) => {
    const res = await gw.post(body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const payload = (await res.json()) as { error: { code: string; param: string | null; message: string } };
    expectOpenAIShape('ErrorResponse', payload);
    expect(payload.error.code).toBe(code);
    if (param !== undefined) expect(payload.error.param).toBe(param);
    expect(payload.error.message.length).toBeGreaterThan(0);
    expect(gw.sim.stats.chatRequests).toBe(0);

    // the gateway is unharmed: the next good request succeeds
    const ok = await gw.post({ messages: user });
    expect(ok.status).toBe(200);
  });

  it('answers unknown routes with an OpenAI-shaped 404', async () => {
    const res = await fetch(`${gw.url}/v1/nope`);
    expect(res.status).toBe(404);
    const payload = await res.json();
    expectOpenAIShape('ErrorResponse', payload);
  });

  it('surfaces a 400 as the SDK BadRequestError with the field named', async () => {
    const error = await caught(
      gw.openai.chat.completions.create({
        model: 'deepseek/deepseek-v3.2',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 9,
      }),
    );
    expect(error).toBeInstanceOf(
      gw.openai.constructor === undefined ? Error : (await import('openai')).BadRequestError,
    );
    expect((error as { status: number; param: string }).status).toBe(400);
    expect((error as { param: string }).param).toBe('temperature');
  });
});

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
async function rawExchange(port: number, bytes: string, endAfterWrite = false): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (endAfterWrite) socket.end();
    });
    let received = '';
    socket.on('data', (data) => {
      received += data.toString('utf8');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
  });
}

describe('requests broken below the JSON', () => {
  const port = () => Number(new URL(gw.url).port);

  it('a nesting bomb is a 400, spends nothing upstream, and never trips the breaker', async () => {
    const depth = 5000;
    const bomb = `{"messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (let i = 0; i < 6; i += 1) {
      const res = await gw.post(bomb, { 'cache-control': i % 2 === 0 ? 'no-store' : 'no-cache' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'The request is nested deeper than 64 levels.',
      );
    }
    expect(gw.sim.stats.chatRequests).toBe(0);
    const fine = await gw.post({ messages: user });
    expect(fine.status).toBe(200);
  });

  it('a malformed URL escape is a 400 in OpenAI shape with a request id', async () => {
    const answer = await rawExchange(
      port(),
      'GET /v1/models%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as object;
    expectOpenAIShape('ErrorResponse', body);
    expect(body).toMatchObject({
      error: { code: 'invalid_request', message: 'The request URL is malformed.' },
    });
  });

  it('broken HTTP framing is a 400 in OpenAI shape, then the connection closes', async () => {
    const answer = await rawExchange(
      port(),
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as object;
    expectOpenAIShape('ErrorResponse', body);
  });

  it('a body cut short by the client is a client close, not an error in the log', async () => {
    const before = gw.logs.entries().length;
    await rawExchange(
      port(),
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"messages":',
      true,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const errors = gw.logs
      .entries()
      .slice(before)
      .filter((entry) => Number(entry.level) >= 50);
    expect(errors).toEqual([]);
    expect(gw.sim.stats.chatRequests).toBe(0);
  });
});
