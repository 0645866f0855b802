// The push reader of upstream streams against the simulator: order, exact text, backpressure, close, abort, drain.
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../stream/stream-event.js';
import { createUpstreamClient } from './upstream-client.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());
afterEach(() => sim.reset());

const body = { model: 'sim/model', stream: true, messages: [{ role: 'user', content: 'push' }] };

function chunk(content: string, finish: string | null = null) {
  return {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
}

/** Texts as a provider might space them: a relay must pass them on as they are. */
const TEXTS = [
  '{"id":"c", "object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
  JSON.stringify(chunk('b')),
  JSON.stringify(chunk('c', 'stop')),
];

function recorder() {
  const events: StreamEvent[] = [];
  let settled: (outcome: string) => void = () => {};
  const outcome = new Promise<string>((resolve) => {
    settled = resolve;
  });
  return {
    events,
    outcome,
    sink: {
      event: (event: StreamEvent) => events.push(event),
      end: () => settled('end'),
      fail: (error: unknown) => settled(`fail:${(error as { code?: string }).code}`),
    },
  };
}

const client = () => createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000 });

describe('readUpstreamStream', () => {
  it('gives the first event, then the rest in order with the upstream text unchanged, then the end', async () => {
    sim.enqueue({ kind: 'script', events: TEXTS, delayMs: 5 });
    const stream = await client().openStream(body);
    const first = await stream.first();
    expect(first?.text).toBe(TEXTS[0]);
    expect(first?.chunk.choices[0]?.delta.content).toBe('a');
    const rec = recorder();
    stream.start(rec.sink);
    expect(await rec.outcome).toBe('end');
    expect(rec.events.map((e) => e.text)).toEqual(TEXTS.slice(1));
  });

  it('delivers nothing while paused, and everything after resume', async () => {
    sim.enqueue({ kind: 'script', events: TEXTS, delayMs: 5 });
    const stream = await client().openStream(body);
    await stream.first();
    const rec = recorder();
    stream.pause();
    stream.start(rec.sink);
    await sim.waitFor((s) => s.active === 0);
    expect(rec.events).toHaveLength(0);
    stream.resume();
    expect(await rec.outcome).toBe('end');
    expect(rec.events).toHaveLength(2);
  });

  it('fails a stream cut before any finish, and an error event as upstream_error', async () => {
    sim.enqueue({ kind: 'script', events: TEXTS.slice(0, 2), done: false });
    const cut = await client().openStream(body);
    await cut.first();
    const rec = recorder();
    cut.start(rec.sink);
    expect(await rec.outcome).toBe('fail:upstream_bad_response');

    sim.enqueue({ kind: 'script', events: [TEXTS[0] ?? '', '{"error":{"message":"boom"}}'] });
    const failing = await client().openStream(body);
    await failing.first();
    const errored = recorder();
    failing.start(errored.sink);
    expect(await errored.outcome).toBe('fail:upstream_error');
  });

  it('stops at close(): no more calls to the sink, and the upstream connection is closed', async () => {
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 1 });
    const stream = await client().openStream(body);
    await stream.first();
    const rec = recorder();
    stream.start(rec.sink);
    stream.close();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
    const settled = await Promise.race([rec.outcome, new Promise((r) => setTimeout(() => r('silent'), 50))]);
    expect(settled).toBe('silent');
  });

  it('stops between the events of one read when the caller aborts in its callback, and closes the connection', async () => {
    // One scripted string holding three events: written at once, so they normally arrive in one read.
    const rest = [chunk('b'), chunk('c'), chunk('d', 'stop')].map((c) => JSON.stringify(c));
    sim.enqueue({ kind: 'script', events: [TEXTS[0] ?? '', rest.join('\n\ndata: ')], delayMs: 20 });
    const controller = new AbortController();
    const stream = await client().openStream(body, { signal: controller.signal });
    await stream.first();
    const rec = recorder();
    stream.start({
      ...rec.sink,
      event: (event) => {
        rec.sink.event(event);
        controller.abort();
      },
    });
    expect(await rec.outcome).toBe('fail:client_closed_request');
    expect(rec.events.map((e) => e.text)).toEqual([rest[0]]);
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
  });

  it('refuses a caller signal that is already aborted, and sends nothing upstream', async () => {
    const opening = client().openStream(body, { signal: AbortSignal.abort() });
    await expect(opening).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(sim.stats.chatRequests).toBe(0);
  });

  it('reads on after [DONE] rather than closing the connection, so it can be reused', async () => {
    // The simulator sends its own [DONE] 30 ms after this one: closing at the first would cut it off.
    sim.enqueue({ kind: 'script', events: [...TEXTS, '[DONE]'], delayMs: 30 });
    const stream = await client().openStream(body);
    await stream.first();
    const rec = recorder();
    stream.start(rec.sink);
    expect(await rec.outcome).toBe('end');
    await sim.waitFor((s) => s.active === 0);
    expect(sim.stats.closedEarly).toBe(0);
  });
});
