// One log line per REST chat request, with the engine's facts and the spec's phrases; tRPC calls keep their own lines.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => {
  gw.sim.reset();
});

const linesOf = (reqId: string) => gw.logs.entries().filter((entry) => entry.reqId === reqId);

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the request line', () => {
  it('is the only line of a streamed miss, and of the hit that replays it', async () => {
    const body = { stream: true, messages: [{ role: 'user', content: 'one line per stream' }] };
    const miss = await gw.post(body, { 'x-request-id': 'line-stream-miss' });
    await miss.text();
    const hit = await gw.post(body, { 'x-request-id': 'line-stream-hit' });
    await hit.text();
    await until(() => linesOf('line-stream-hit').length > 0);

    const [missLine, ...moreMiss] = linesOf('line-stream-miss');
    expect(moreMiss).toEqual([]);
    expect(missLine).toMatchObject({
      msg: 'request completed: Cache MISS, LLM completion success',
      status: 200,
      path: '/v1/chat/completions',
      cache: 'MISS',
      upstream: 'default',
      attempts: 1,
    });
    expect(typeof missLine?.llm_latency_ms).toBe('number');
    expect(linesOf('line-stream-hit')).toEqual([
      expect.objectContaining({ msg: 'request completed: Cache HIT', status: 200, cache: 'HIT' }),
    ]);
  });

  it('is written with status 499 when the client leaves a stream before its end', async () => {
    gw.sim.configure({ chunks: 40, chunkDelayMs: 50 });
    const res = await gw.post(
      { stream: true, messages: [{ role: 'user', content: 'left early' }] },
      { 'x-request-id': 'line-left' },
    );
    const reader = res.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await until(() => linesOf('line-left').length > 0);
    expect(linesOf('line-left')).toEqual([
      expect.objectContaining({ msg: 'request completed: Cache MISS', status: 499, cache: 'MISS' }),
    ]);
  });

  it('leaves tRPC calls their own lines (a batch carries several calls in one HTTP request)', async () => {
    const res = await fetch(`${gw.url}/trpc/chat.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'line-trpc' },
      body: JSON.stringify({ json: { messages: [{ role: 'user', content: 'over trpc' }] } }),
    });
    expect(res.status).toBe(200);
    await res.text();
    await until(() => linesOf('line-trpc').some((entry) => entry.msg === 'request completed'));
    const messages = gw.logs
      .entries()
      .filter((entry) => entry.reqId !== undefined && String(entry.reqId).startsWith('line-trpc'))
      .map((entry) => entry.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['Cache MISS', 'LLM completion success', 'request completed']),
    );
  });
});
