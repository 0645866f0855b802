// The /__sim/* control endpoints used by other processes (benchmark, child-process tests).
import { expectOpenAIShape } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../src/index.js';
import { chatBody, postChat, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

function control(sim: UpstreamSim, path: string, body?: unknown): Promise<Response> {
  return fetch(
    `${sim.url}/__sim/${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  );
}

describe('control endpoints', () => {
  it('GET /__sim/stats returns the counters, without counting itself', async () => {
    const sim = await startSim();
    await (await postChat(sim, chatBody({ stream: true }))).text();
    const res = await control(sim, 'stats');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      requests: 1,
      chatRequests: 1,
      streamRequests: 1,
      closedEarly: 0,
      active: 0,
    });
    expect(sim.stats.requests).toBe(1);
  });

  it('POST /__sim/configure changes the reply', async () => {
    const sim = await startSim();
    expect((await control(sim, 'configure', { content: 'from afar', chunks: 2 })).status).toBe(204);
    const body = (await (await postChat(sim, chatBody())).json()) as { choices: Array<{ message: unknown }> };
    expect(body.choices[0]?.message).toEqual({ role: 'assistant', content: 'from afar', refusal: null });
  });

  it('POST /__sim/enqueue queues faults in order', async () => {
    const sim = await startSim();
    const faults = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
    ];
    expect((await control(sim, 'enqueue', faults)).status).toBe(204);
    const first = await postChat(sim, chatBody());
    const second = await postChat(sim, chatBody());
    const third = await postChat(sim, chatBody());
    expect([first.status, second.status, third.status]).toEqual([503, 429, 200]);
    expect(second.headers.get('retry-after')).toBe('2');
  });

  it('POST /__sim/fault-always sets and clears the permanent fault', async () => {
    const sim = await startSim();
    await control(sim, 'fault-always', { kind: 'status', status: 500 });
    expect((await postChat(sim, chatBody())).status).toBe(500);
    await control(sim, 'fault-always', null);
    expect((await postChat(sim, chatBody())).status).toBe(200);
  });

  it('POST /__sim/reset resets the simulator; GET /__sim/requests lists recordings', async () => {
    const sim = await startSim();
    await (await postChat(sim, chatBody())).text();
    const recorded = (await (await control(sim, 'requests')).json()) as unknown[];
    expect(recorded).toHaveLength(1);
    expect((await control(sim, 'reset', {})).status).toBe(204);
    expect(sim.stats.requests).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('rejects invalid input and unknown endpoints with OpenAI errors', async () => {
    const sim = await startSim();
    const bad = [
      await control(sim, 'configure', { chunks: 0 }),
      await control(sim, 'configure', { contnet: 'typo' }),
      await control(sim, 'enqueue', [{ kind: 'explode' }]),
      await control(sim, 'enqueue', [{ kind: 'reset-mid-stream' }]),
      await fetch(`${sim.url}/__sim/configure`, { method: 'POST', body: '{oops' }),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expectOpenAIShape('ErrorResponse', await res.json());
    }
    const unknown = await control(sim, 'nothing');
    expect(unknown.status).toBe(404);
    expectOpenAIShape('ErrorResponse', await unknown.json());
    expect(sim.stats.requests).toBe(0);
  });
});
