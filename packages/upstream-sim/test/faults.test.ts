// Fault injection: each fault kind (stream and non-stream), queue order, repeats and the permanent fault.
import { expectOpenAIShape, sseData, sseJson } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import type { SimFault } from '../src/index.js';
import { chatBody, delay, eventCount, postChat, readBody, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

const content = (chunk: Record<string, unknown>): unknown =>
  (chunk.choices as Array<{ delta: { content?: unknown } }>)[0]?.delta.content;

describe('status faults', () => {
  it('answers the status with an OpenAI error body and extra headers', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const res = await postChat(sim, chatBody({ stream: true }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = await res.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body).toMatchObject({ error: { code: 'rate_limit_exceeded', param: null } });
  });

  it('sends custom bodies: objects as JSON, strings as text', async () => {
    const sim = await startSim();
    sim.enqueue(
      {
        kind: 'status',
        status: 400,
        body: { error: { message: 'bad', type: 'x', param: 'messages', code: null } },
      },
      {
        kind: 'status',
        status: 502,
        body: '<html>Bad Gateway</html>',
        headers: { 'Content-Type': 'text/html' },
      },
    );
    const json = await postChat(sim, chatBody());
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      error: { message: 'bad', type: 'x', param: 'messages', code: null },
    });
    const html = await postChat(sim, chatBody());
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(await html.text()).toBe('<html>Bad Gateway</html>');
  });

  it('gives schema-valid default bodies for common and unusual statuses', async () => {
    const sim = await startSim();
    const statuses = [400, 401, 403, 404, 408, 409, 422, 500, 502, 503, 504, 529];
    sim.enqueue(...statuses.map((status): SimFault => ({ kind: 'status', status })));
    for (const status of statuses) {
      const res = await postChat(sim, chatBody());
      expect(res.status).toBe(status);
      expectOpenAIShape('ErrorResponse', await res.json());
    }
  });
});

describe('queue order', () => {
  it('applies queued faults one per request, in order, then answers normally', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 429 });
    sim.enqueueRepeat({ kind: 'status', status: 503 }, 2);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postChat(sim, chatBody())).status);
    expect(statuses).toEqual([500, 429, 503, 503, 200]);
  });

  it('setFaultAlways applies to every request after the queue, until cleared', async () => {
    const sim = await startSim();
    sim.setFaultAlways({ kind: 'status', status: 500 });
    sim.enqueue({ kind: 'status', status: 429 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postChat(sim, chatBody())).status);
    sim.setFaultAlways(undefined);
    statuses.push((await postChat(sim, chatBody())).status);
    expect(statuses).toEqual([429, 500, 500, 200]);
  });
});

describe('connection faults', () => {
  it('hang: never answers, and ends when the client gives up', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = postChat(sim, chatBody(), { signal: controller.signal });
    await sim.waitFor((s) => s.chatRequests === 1 && s.active === 1);
    const raced = await Promise.race([
      pending.then(
        () => 'answered',
        () => 'failed',
      ),
      delay(150).then(() => 'hanging'),
    ]);
    expect(raced).toBe('hanging');
    controller.abort();
    await expect(pending).rejects.toThrow();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('reset: destroys the socket without an answer (not counted as closedEarly)', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'reset' });
    await expect(postChat(sim, chatBody())).rejects.toThrow();
    await sim.waitFor((s) => s.active === 0);
    expect(sim.stats.closedEarly).toBe(0);
    expect((await postChat(sim, chatBody())).status).toBe(200);
  });

  it('reset-mid-stream: sends N content chunks, then drops the connection', async () => {
    const sim = await startSim({ reply: { chunks: 5 } });
    sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 2 });
    const res = await postChat(sim, chatBody({ stream: true }));
    expect(res.status).toBe(200);
    const read = await readBody(res);
    expect(read.done).toBe(false);
    expect(read.error).toBeDefined();
    const chunks = sseJson(read.text);
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    expect(chunks).toHaveLength(3);
    expect(chunks.slice(1).every((chunk) => typeof content(chunk) === 'string')).toBe(true);
  });

  it('reset-mid-stream (non-stream): headers and part of the body, then a reset', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 0 });
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('hang-mid-stream: sends N content chunks, then stalls until the client leaves', async () => {
    const sim = await startSim({ reply: { chunks: 5 } });
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 1 });
    const controller = new AbortController();
    const res = await postChat(sim, chatBody({ stream: true }), { signal: controller.signal });
    const first = await readBody(res, (text) => eventCount(text) >= 2);
    const stalled = await Promise.race([readBody(res).then(() => 'more'), delay(150).then(() => 'stalled')]);
    expect(stalled).toBe('stalled');
    const chunks = sseJson(first.text);
    expect(chunks).toHaveLength(2);
    controller.abort();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('hang-mid-stream (non-stream): headers and part of the body, then a stall', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 0 });
    const controller = new AbortController();
    const res = await postChat(sim, chatBody(), { signal: controller.signal });
    expect(res.status).toBe(200);
    const partial = await readBody(res, (text) => text.length > 0);
    expect(partial.text.startsWith('{"id":"chatcmpl-sim-')).toBe(true);
    controller.abort();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });
});

describe('payload faults', () => {
  it('malformed (stream): one unparseable event, then the end', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'malformed' });
    const res = await postChat(sim, chatBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe('data: {not json\n\n');
  });

  it('malformed (non-stream): a 200 JSON response that does not parse', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'malformed' });
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).rejects.toThrow();
  });

  it('error-event (stream): N chunks, then an OpenAI error event and the end (no [DONE])', async () => {
    const sim = await startSim({ reply: { chunks: 4 } });
    sim.enqueue({ kind: 'error-event', afterChunks: 2 });
    const text = await (await postChat(sim, chatBody({ stream: true }))).text();
    const payloads = sseData(text).map((payload) => JSON.parse(payload) as Record<string, unknown>);
    expect(payloads).toHaveLength(1 + 2 + 1);
    for (const chunk of payloads.slice(0, -1)) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    expectOpenAIShape('ErrorResponse', payloads.at(-1));
    expect(text).not.toContain('[DONE]');
  });

  it('error-event (non-stream): a 500 OpenAI error', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'error-event', afterChunks: 1 });
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(500);
    expectOpenAIShape('ErrorResponse', await res.json());
  });

  it('clamps afterChunks beyond the content to "just before the finish chunk"', async () => {
    const sim = await startSim({ reply: { chunks: 2 } });
    sim.enqueue({ kind: 'error-event', afterChunks: 50 });
    const payloads = sseData(await (await postChat(sim, chatBody({ stream: true }))).text());
    expect(payloads).toHaveLength(1 + 2 + 1);
    expect(payloads.at(-1)).toMatch(/^\{"error":/);
  });
});
