// Bounded everything, over real HTTP: message count, upstream concurrency slots and their queue, stalled streams.
import { sseData } from '@llm-gateway/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText } from './support/prometheus-text.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const ask = (content: string, stream = false) => ({ messages: [{ role: 'user', content }], stream });

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** Opens a stream and reads its first bytes, so the request is holding its upstream slot. */
async function openStream(g: TestGateway, content: string) {
  const res = await g.post(ask(content, true));
  expect(res.status).toBe(200);
  const body = res.body;
  if (body === null) throw new Error('no body');
  const reader = body.getReader();
  await reader.read();
  const decoder = new TextDecoder();
  return {
    /** Reads to the end, returning the text after the first read. */
    async rest(): Promise<string> {
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

async function metricsJson(g: TestGateway) {
  const res = await fetch(`${g.url}/metrics`);
  return (await res.json()) as { upstream_concurrency: Record<string, number> };
}

async function prometheus(g: TestGateway) {
  return parsePrometheusText(await (await fetch(`${g.url}/metrics/prometheus`)).text());
}

describe('MAX_MESSAGES', () => {
  it('refuses a request with too many messages with 400 on `messages`, without calling the upstream', async () => {
    gw = await startGateway({ env: { MAX_MESSAGES: '3' } });
    const messages = Array.from({ length: 4 }, (_, i) => ({ role: 'user', content: `m${i}` }));
    for (const stream of [false, true]) {
      const res = await gw.post({ messages, stream });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          message: 'Too many messages: 4 (the gateway accepts at most 3).',
          type: 'invalid_request_error',
          param: 'messages',
          code: 'invalid_request',
        },
      });
    }
    expect((await gw.post({ messages: messages.slice(1) })).status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });
});

describe('UPSTREAM_MAX_CONCURRENT', () => {
  it('with no queue, refuses a call beyond the limit at once: 503 overloaded, Retry-After, no upstream call', async () => {
    gw = await startGateway({
      env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_MAX: '0' },
      sim: { reply: { chunks: 20, chunkDelayMs: 100 } },
    });
    const held = await openStream(gw, 'holds the slot');

    const started = performance.now();
    const res = await gw.post(ask('one too many'));
    expect(performance.now() - started).toBeLessThan(500);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ type: 'service_unavailable', code: 'overloaded' });
    expect(gw.sim.stats.chatRequests).toBe(1);

    expect((await metricsJson(gw)).upstream_concurrency).toEqual({
      in_flight: 1,
      queued: 0,
      max_concurrent: 1,
      rejected: 1,
    });
    const exposition = await prometheus(gw);
    expect(exposition.types.get('llm_gateway_upstream_in_flight')).toBe('gauge');
    expect(exposition.types.get('llm_gateway_upstream_queued')).toBe('gauge');
    expect(exposition.types.get('llm_gateway_upstream_rejected_total')).toBe('counter');
    expect(exposition.sum('llm_gateway_upstream_in_flight')).toBe(1);
    expect(exposition.sum('llm_gateway_upstream_rejected_total')).toBe(1);

    // The client going away frees the slot.
    await held.cancel();
    await gw.sim.waitFor((s) => s.active === 0);
    await expect
      .poll(async () => (await metricsJson(gw as TestGateway)).upstream_concurrency.in_flight)
      .toBe(0);
    expect((await gw.post(ask('after the stream'))).status).toBe(200);
  });

  it('with a queue, the next call waits for the slot and succeeds when the stream ends', async () => {
    gw = await startGateway({
      env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_MAX: '4', UPSTREAM_QUEUE_TIMEOUT_MS: '5000' },
      sim: { reply: { chunks: 4, chunkDelayMs: 100 } },
    });
    const held = await openStream(gw, 'first in');
    let streamEnded = 0;
    const first = held.rest().then((text) => {
      streamEnded = performance.now();
      return text;
    });
    const second = gw.post(ask('waits its turn'));
    await expect.poll(async () => (await metricsJson(gw as TestGateway)).upstream_concurrency.queued).toBe(1);
    expect(gw.sim.stats.chatRequests).toBe(1);

    const res = await second;
    const answered = performance.now();
    expect(res.status).toBe(200);
    expect(await first).toContain('data: [DONE]');
    expect(answered).toBeGreaterThanOrEqual(streamEnded - 5);
    expect(gw.sim.stats.chatRequests).toBe(2);
    expect((await metricsJson(gw)).upstream_concurrency).toMatchObject({
      in_flight: 0,
      queued: 0,
      rejected: 0,
    });
  });

  it('refuses a call that waited longer than UPSTREAM_QUEUE_TIMEOUT_MS with 503 overloaded', async () => {
    gw = await startGateway({
      env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_MAX: '4', UPSTREAM_QUEUE_TIMEOUT_MS: '200' },
      sim: { reply: { chunks: 20, chunkDelayMs: 100 } },
    });
    const held = await openStream(gw, 'long stream');
    const started = performance.now();
    const res = await gw.post(ask('gives up waiting'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as ErrorBody).error.code).toBe('overloaded');
    expect(gw.sim.stats.chatRequests).toBe(1);
    await held.cancel();
  });
});

describe('STREAM_IDLE_TIMEOUT_MS', () => {
  it('ends a stream whose upstream stalls with an upstream_timeout error event and no [DONE]', async () => {
    gw = await startGateway({ env: { STREAM_IDLE_TIMEOUT_MS: '300' } });
    gw.sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 2 });
    const started = performance.now();
    const res = await gw.post(ask('stalls', true));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(text).not.toContain('[DONE]');
    const events = sseData(text);
    expect(events).toHaveLength(4); // the role chunk, two content chunks, the error
    expect(JSON.parse(events.at(-1) ?? '')).toEqual({
      error: {
        message: 'The upstream sent nothing for 0.3 s mid-stream.',
        type: 'upstream_error',
        param: null,
        code: 'upstream_timeout',
      },
    });
    // Not retried (chunks were already sent), and the stalled upstream connection was closed.
    expect(gw.sim.stats.chatRequests).toBe(1);
    await gw.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
  });
});
