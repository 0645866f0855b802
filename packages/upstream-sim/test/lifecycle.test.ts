// Stats, client aborts, waitFor, recording, reset and close() of the simulator handle.
import { describe, expect, it } from 'vitest';
import { startUpstreamSim } from '../src/index.js';
import { chatBody, eventCount, postChat, readBody, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

describe('stats', () => {
  it('counts requests, chat requests and streams; active returns to 0', async () => {
    const sim = await startSim();
    await (await postChat(sim, chatBody())).text();
    await (await postChat(sim, chatBody({ stream: true }))).text();
    await (await fetch(`${sim.baseUrl}/models`)).text();
    await sim.waitFor((s) => s.active === 0);
    expect(sim.stats).toEqual({ requests: 3, chatRequests: 2, streamRequests: 1, closedEarly: 0, active: 0 });
  });

  it('counts closedEarly within 1 s when the client aborts mid-stream', async () => {
    const sim = await startSim({ reply: { chunks: 20, chunkDelayMs: 50 } });
    const controller = new AbortController();
    const res = await postChat(sim, chatBody({ stream: true }), { signal: controller.signal });
    await readBody(res, (text) => eventCount(text) >= 2);
    expect(sim.stats.active).toBe(1);
    controller.abort();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('counts closedEarly when the client leaves during the latency', async () => {
    const sim = await startSim({ reply: { latencyMs: 5000 } });
    const controller = new AbortController();
    const pending = postChat(sim, chatBody(), { signal: controller.signal });
    await sim.waitFor((s) => s.active === 1 && s.chatRequests === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('waitFor rejects after its timeout with the stats in the message', async () => {
    const sim = await startSim();
    await expect(sim.waitFor((s) => s.requests > 0, 50)).rejects.toThrow(
      /timed out after 50 ms.*"requests":0/,
    );
  });
});

describe('recording', () => {
  it('records chat requests with method, path, headers and parsed body', async () => {
    const sim = await startSim();
    const body = chatBody({ temperature: 0.5 });
    await (await postChat(sim, body, { headers: { 'x-test': 'yes' } })).text();
    await (await fetch(`${sim.baseUrl}/models`)).text();
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body });
    expect(sim.requests[0]?.headers['x-test']).toBe('yes');
  });

  it('keeps only the newest 200 requests', async () => {
    const sim = await startSim();
    for (let i = 0; i < 205; i++) await (await postChat(sim, chatBody({ seed: i }))).text();
    expect(sim.requests).toHaveLength(200);
    expect(sim.requests[0]?.body).toMatchObject({ seed: 5 });
    expect(sim.requests.at(-1)?.body).toMatchObject({ seed: 204 });
  });

  it('records nothing with record: false', async () => {
    const sim = await startSim({ record: false });
    await (await postChat(sim, chatBody())).text();
    expect(sim.requests).toHaveLength(0);
    expect(sim.stats.chatRequests).toBe(1);
  });
});

describe('reset', () => {
  it('clears counters, recordings, faults and configured replies (back to start-up settings)', async () => {
    const sim = await startSim({ reply: { content: 'startup' } });
    sim.configure({ content: 'configured' });
    sim.enqueue({ kind: 'status', status: 500 });
    sim.setFaultAlways({ kind: 'status', status: 503 });
    await (await postChat(sim, chatBody())).text();
    sim.reset();
    expect(sim.stats).toEqual({ requests: 0, chatRequests: 0, streamRequests: 0, closedEarly: 0, active: 0 });
    expect(sim.requests).toHaveLength(0);
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('startup');
  });
});

describe('close', () => {
  it('resolves promptly while a hung request is pending, failing that request', async () => {
    const sim = await startUpstreamSim();
    sim.enqueue({ kind: 'hang' });
    const pending = postChat(sim, chatBody()).then(
      () => 'answered',
      () => 'failed',
    );
    await sim.waitFor((s) => s.active === 1 && s.chatRequests === 1);
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
    // Closing twice is harmless.
    await sim.close();
  });

  it('resolves while a stream is stalled mid-way', async () => {
    const sim = await startUpstreamSim();
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 1 });
    const res = await postChat(sim, chatBody({ stream: true }));
    await readBody(res, (text) => eventCount(text) >= 2);
    await sim.close();
    const rest = await readBody(res);
    expect(rest.done).toBe(false);
  });
});
