// The tRPC adapter on the wire: the two-step stream, exactly-once starts, and errors from the same table as REST.
import { type ContentChunk, sseDataLines, streamedContent } from '@llm-gateway/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, UPSTREAM_KEY } from './support/start-gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: { RATE_LIMIT_ENABLED: 'false', CACHE_ENABLED: 'false', RETRY_BASE_DELAY_MS: '5' },
  });
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => {
  gw.sim.reset();
});

function mutate(path: string, body: string): Promise<Response> {
  return fetch(`${gw.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

const userMessage = (content: string) => ({ json: { messages: [{ role: 'user', content }] } });

async function startStream(content: string): Promise<string> {
  const response = await mutate('chat.startStream', JSON.stringify(userMessage(content)));
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    result: { data: { json: { streamId: string; expiresInMs: number } } };
  };
  expect(body.result.data.json.expiresInMs).toBe(30_000);
  return body.result.data.json.streamId;
}

/** Opens the subscription the way an EventSource does and reads the whole event stream. */
async function readStream(streamId: string, lastEventId?: string): Promise<string> {
  const input = encodeURIComponent(JSON.stringify({ json: { streamId } }));
  const response = await fetch(`${gw.url}/trpc/chat.stream?input=${input}`, {
    headers: {
      accept: 'text/event-stream',
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return response.text();
}

interface ErrorEnvelope {
  error: {
    json: { message: string; data: { code: string; httpStatus: number; gateway: Record<string, unknown> } };
  };
}

describe('chat.startStream + chat.stream', () => {
  it('streams the chunks as SSE data events and ends with a return event', async () => {
    const events = await readStream(await startStream('over trpc'));
    const chunks = sseDataLines(events)
      .filter((data) => data.startsWith('{"json":{"id"'))
      .map((data) => (JSON.parse(data) as { json: ContentChunk }).json);
    expect(streamedContent(chunks)).toBe('Simulated answer to: over trpc');
    expect(events).toMatch(/^event: return$/m);
    expect(gw.sim.stats.streamRequests).toBe(1);
  });

  it('starts a stream once: opening the same id again (an EventSource reconnect) replays it, calls no upstream', async () => {
    const streamId = await startStream('exactly once');
    const first = await readStream(streamId);
    const again = await readStream(streamId);
    expect(first).toMatch(/^id: 1$/m);
    expect(sseDataLines(again)).toEqual(sseDataLines(first));
    expect(again).toMatch(/^event: return$/m);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('a reconnect with Last-Event-ID gets only the events after it', async () => {
    const streamId = await startStream('resume me');
    const first = sseDataLines(await readStream(streamId));
    const rest = sseDataLines(await readStream(streamId, '3'));
    // The `connected` event, then every event after the third chunk event.
    expect(rest.slice(1)).toEqual(first.slice(4));
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('refuses an unknown id with stream_not_found', async () => {
    const events = await readStream('0f6b7c3e-0000-4000-8000-000000000000');
    expect(events).toContain('"code":"stream_not_found"');
    expect(events).toContain('"httpStatus":404');
    expect(gw.sim.stats.chatRequests).toBe(0);
  });
});

describe('errors', () => {
  it('an invalid request is a 400 with the gateway code and the bad field', async () => {
    const response = await mutate('chat.complete', JSON.stringify({ json: { messages: [] } }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.json.data.code).toBe('BAD_REQUEST');
    expect(body.error.json.data.gateway).toEqual({
      code: 'invalid_request',
      status: 400,
      type: 'invalid_request_error',
      param: 'messages',
      retryAfter: null,
    });
    expect(body.error.json.data).not.toHaveProperty('stack');
  });

  it.each([
    { path: 'chat.complete', body: '{not json', status: 400, code: 'invalid_json' },
    { path: 'chat.nothing', body: '{}', status: 404, code: 'not_found' },
  ])('$path with $body answers $status $code', async ({ path, body, status, code }) => {
    const response = await mutate(path, body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as ErrorEnvelope).error.json.data.gateway.code).toBe(code);
  });

  it('startStream refuses too many messages at once, before any stream id is issued', async () => {
    const messages = Array.from({ length: 3 }, () => ({ role: 'user', content: 'm' }));
    const limited = await startGateway({ env: { MAX_MESSAGES: '2' } });
    try {
      const response = await fetch(`${limited.url}/trpc/chat.startStream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: { messages } }),
      });
      expect(response.status).toBe(400);
      const gateway = ((await response.json()) as ErrorEnvelope).error.json.data.gateway;
      expect(gateway).toMatchObject({ code: 'invalid_request', param: 'messages' });
    } finally {
      await limited.close();
    }
  });

  it('a body over the limit is a 413', async () => {
    const huge = JSON.stringify(userMessage('x'.repeat(gw.config.http.bodyLimitBytes)));
    const response = await mutate('chat.startStream', huge);
    expect(response.status).toBe(413);
    // Refused by Fastify before tRPC ran, yet in tRPC's envelope, so tRPC clients can read it.
    const envelope = (await response.json()) as ErrorEnvelope;
    expect(envelope.error.json.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(envelope.error.json.data.gateway.code).toBe('body_too_large');
    expect(gw.sim.stats.chatRequests).toBe(0);
  });

  it('an upstream 5xx is a 502 whose message and data carry no upstream key', async () => {
    gw.sim.setFaultAlways({
      kind: 'status',
      status: 500,
      body: { error: { message: `bad key ${UPSTREAM_KEY}`, type: 'server_error' } },
    });
    const response = await mutate('chat.complete', JSON.stringify(userMessage('fails')));
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).not.toContain(UPSTREAM_KEY);
    expect((JSON.parse(text) as ErrorEnvelope).error.json.data.gateway.code).toBe('upstream_error');
  });
});
