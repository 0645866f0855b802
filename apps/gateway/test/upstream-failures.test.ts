// What clients see when the upstream misbehaves: passed-through 4xx, 502, 504, and broken streams.

import { caught, drain, expectOpenAIShape, sseData } from '@llm-gateway/test-support';
import { startUpstreamSim } from '@llm-gateway/upstream-sim';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, UPSTREAM_KEY } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  // One attempt, no breaker: these tests are about how each failure maps; the policies have their own suite.
  gw = await startGateway({
    env: { UPSTREAM_TIMEOUT_MS: '400', RETRY_MAX_ATTEMPTS: '1', CIRCUIT_BREAKER_ENABLED: 'false' },
  });
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim.reset());

const ask = (stream = false) =>
  gw.openai.chat.completions.create({
    model: 'deepseek/deepseek-v3.2',
    messages: [{ role: 'user', content: 'x' }],
    stream,
  }) as Promise<unknown>;

async function errorBody(res: Response) {
  const body = (await res.json()) as { error: { code: string; message: string; param: string | null } };
  expectOpenAIShape('ErrorResponse', body);
  return body.error;
}

describe('upstream errors before any answer', () => {
  it('passes an upstream 4xx through with its status and message', async () => {
    gw.sim.enqueue({
      kind: 'status',
      status: 422,
      body: {
        error: {
          message: 'max_tokens is too large for this model',
          type: 'invalid_request_error',
          param: 'max_tokens',
          code: null,
        },
      },
    });
    const error = await caught(ask());
    expect(error).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain(
      'max_tokens is too large for this model',
    );
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('max_tokens');
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('answers 502 when the upstream refuses the gateway’s own key, so clients do not blame theirs', async () => {
    gw.sim.enqueue({ kind: 'status', status: 401, body: { error: { message: `bad key ${UPSTREAM_KEY}` } } });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    const body = await errorBody(res);
    expect(body.code).toBe('upstream_error');
    expect(body.message).toContain("refused the gateway's credentials (HTTP 401)");
    expect(JSON.stringify(body)).not.toContain(UPSTREAM_KEY);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('scrubs keys an upstream echoes in its error message', async () => {
    gw.sim.enqueue({
      kind: 'status',
      status: 400,
      body: {
        error: {
          message: `Incorrect API key provided: ${UPSTREAM_KEY} (sk-abc***xyz)`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain('sk-abc');
    expect(text).toContain('Incorrect API key provided');
  });

  it('maps an upstream 500 to 502 upstream_error', async () => {
    gw.sim.enqueue({ kind: 'status', status: 500 });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    expect((await errorBody(res)).code).toBe('upstream_error');
    gw.sim.enqueue({ kind: 'status', status: 500 });
    const error = await caught(ask());
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('answers 502 when the upstream sends garbage', async () => {
    gw.sim.enqueue({ kind: 'malformed' });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    expect((await errorBody(res)).code).toBe('upstream_bad_response');
  });

  it('answers 502 when the upstream drops the connection', async () => {
    gw.sim.enqueue({ kind: 'reset' });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    expect((await errorBody(res)).code).toBe('upstream_unavailable');
  });

  it('answers 504 when the upstream does not answer in time, and stops waiting for it', async () => {
    gw.sim.enqueue({ kind: 'hang' });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(504);
    expect((await errorBody(res)).code).toBe('upstream_timeout');
    await gw.sim.waitFor((s) => s.closedEarly === 1);
  });

  it('answers a stream request that fails before its first chunk with a plain HTTP error', async () => {
    gw.sim.enqueue({ kind: 'status', status: 503 });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect((await errorBody(res)).code).toBe('upstream_error');
  });

  it('answers 504 when a stream does not start in time', async () => {
    gw.sim.enqueue({ kind: 'hang' });
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(res.status).toBe(504);
  });
});

describe('upstream failures after a stream began', () => {
  it.each([
    [
      'the connection is reset',
      { kind: 'reset-mid-stream', afterChunks: 2 } as const,
      'upstream_unavailable',
    ],
    ['the provider sends an error event', { kind: 'error-event', afterChunks: 2 } as const, 'upstream_error'],
  ])('ends the stream with an error event and no [DONE] when %s', async (_name, fault, code) => {
    gw.sim.enqueue(fault);
    const res = await gw.post({ messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('[DONE]');
    expect(text.split('"delta":{"content"').length - 1).toBe(2);
    // sseData asserts that every event, the last one too, is a single `data: ` line.
    const payload = JSON.parse(sseData(text).at(-1) ?? '');
    expectOpenAIShape('ErrorResponse', payload);
    expect(payload.error.code).toBe(code);
  });

  it('makes the openai SDK throw instead of ending quietly', async () => {
    gw.sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 1 });
    const stream = (await ask(true)) as AsyncIterable<unknown>;
    await expect(drain(stream)).rejects.toThrow();
  });
});

describe('an unreachable upstream', () => {
  let lone: TestGateway;
  beforeAll(async () => {
    const dead = await startUpstreamSim();
    const deadUrl = dead.baseUrl;
    await dead.close();
    lone = await startGateway({ env: { OPENROUTER_BASE_URL: deadUrl, RETRY_MAX_ATTEMPTS: '1' } });
  });
  afterAll(async () => lone.close());

  it('answers 502 upstream_unavailable', async () => {
    const res = await lone.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    expect((await errorBody(res)).code).toBe('upstream_unavailable');
  });
});

describe('an unexpected failure inside the gateway', () => {
  let broken: TestGateway;
  beforeAll(async () => {
    broken = await startGateway({
      services: (defaults) => ({
        ...defaults,
        chat: {
          ...defaults.chat,
          complete: async () => {
            throw new Error(`internal detail with ${UPSTREAM_KEY} at /srv/secret/path.ts:42`);
          },
        },
      }),
    });
  });
  afterAll(async () => broken.close());

  it('is masked: 500 with a generic message, no stack, no key', async () => {
    const res = await broken.post({ messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(500);
    const text = await res.text();
    const payload = JSON.parse(text);
    expectOpenAIShape('ErrorResponse', payload);
    expect(payload.error.code).toBe('internal_error');
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain('internal detail');
    expect(text).not.toContain('secret/path');
  });
});
