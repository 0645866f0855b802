// A client that goes away mid-answer aborts the upstream request (JSON and stream).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim.reset());

describe('client disconnect', () => {
  it('mid-stream: the upstream response is closed early within 1 s', async () => {
    gw.sim.configure({ chunks: 50, chunkDelayMs: 100 });
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'long story' }], stream: true }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    await gw.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
    expect(gw.sim.stats.closedEarly).toBe(1);
  });

  it('while waiting for a JSON answer: the upstream request is aborted within 1 s', async () => {
    gw.sim.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await gw.sim.waitFor((s) => s.active === 1);
    controller.abort();
    await pending;
    await gw.sim.waitFor((s) => s.closedEarly === 1, 1000);
    expect(gw.sim.stats.closedEarly).toBe(1);
  });

  it('with the openai SDK breaking out of a stream', async () => {
    gw.sim.configure({ chunks: 50, chunkDelayMs: 100 });
    const stream = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    for await (const _chunk of stream) break;
    await gw.sim.waitFor((s) => s.closedEarly === 1, 1000);
  });
});
