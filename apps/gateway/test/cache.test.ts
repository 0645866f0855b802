// The response cache through the gateway: hits, streams both ways, coalescing, Cache-Control, CACHE_ENABLED.

import { type ContentChunk, collect, expectOpenAIShape, streamedContent } from '@llm-gateway/test-support';
import { defaultSimContent } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;
let n = 0;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => {
  gw.sim.reset();
  n += 1;
});

const MODEL = 'deepseek/deepseek-v3.2';
/** A prompt unique to the running test, so tests never hit each other's entries. */
const prompt = (suffix = '') => `cache test ${n}${suffix}`;

async function streamText(stream: AsyncIterable<ContentChunk>) {
  return streamedContent(await collect(stream));
}

describe('response cache', () => {
  it('answers the second identical request from the cache (openai SDK)', async () => {
    const params = {
      model: MODEL,
      messages: [{ role: 'user' as const, content: prompt() }],
      temperature: 0.3,
    };
    const first = await gw.openai.chat.completions.create(params);
    const second = await gw.openai.chat.completions.create(params);
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect((first.usage as unknown as { from_cache: boolean }).from_cache).toBe(false);
    expect((second.usage as unknown as { from_cache: boolean }).from_cache).toBe(true);
    expect(second.choices).toEqual(first.choices);
    expect(second.id).toBe(first.id);
    expectOpenAIShape('CreateChatCompletionResponse', second);
    const logs = gw.logs.entries().map((e) => e.msg);
    // The spec's phrases, on each request's one line.
    expect(logs).toContain('request completed: Cache MISS, LLM completion success');
    expect(logs).toContain('request completed: Cache HIT');
  });

  it('marks answers with x-cache MISS then HIT, whatever the key order and whitespace of the JSON', async () => {
    const a = await gw.post(
      `{"messages":[{"role":"user","content":"${prompt()}"}],"temperature":0.5,"seed":1}`,
    );
    expect(a.headers.get('x-cache')).toBe('MISS');
    await a.text();
    const b = await gw.post(`{ "seed" : 1,
      "temperature": 0.5, "messages": [ { "content": "${prompt()}", "role": "user" } ] }`);
    expect(b.headers.get('x-cache')).toBe('HIT');
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('keeps answers apart when anything that changes them differs', async () => {
    await (await gw.post({ messages: [{ role: 'user', content: prompt() }], temperature: 0.1 })).text();
    const other = await gw.post({ messages: [{ role: 'user', content: prompt() }], temperature: 0.2 });
    expect(other.headers.get('x-cache')).toBe('MISS');
    expect(gw.sim.stats.chatRequests).toBe(2);
  });

  it('stores a completed stream: a later non-stream request hits', async () => {
    const text = await streamText(
      await gw.openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: prompt() }],
        stream: true,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20)); // the store is written after the stream ends
    const res = await gw.post({ model: MODEL, messages: [{ role: 'user', content: prompt() }] });
    expect(res.headers.get('x-cache')).toBe('HIT');
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string } }>;
      usage: { from_cache: boolean };
    };
    expect(body.choices[0]?.message.content).toBe(text);
    expect(body.usage.from_cache).toBe(true);
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('replays a cached answer as a valid stream the openai SDK assembles into the same text', async () => {
    await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: prompt() }],
    });
    const stream = await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: prompt() }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(defaultSimContent(prompt()));
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ from_cache: true });
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('never stores a stream that was cut off', async () => {
    gw.sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 2 });
    const cut = await gw.post({ messages: [{ role: 'user', content: prompt() }], stream: true });
    expect(await cut.text()).not.toContain('[DONE]');
    const again = await gw.post({ messages: [{ role: 'user', content: prompt() }] });
    expect(again.headers.get('x-cache')).toBe('MISS');
    expect(again.status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(2);
  });

  it('never stores a failed answer', async () => {
    gw.sim.enqueue({ kind: 'status', status: 400 });
    expect((await gw.post({ messages: [{ role: 'user', content: prompt() }] })).status).toBe(400);
    expect((await gw.post({ messages: [{ role: 'user', content: prompt() }] })).status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(2);
  });

  it('coalesces 50 concurrent identical requests (half streaming) into one upstream call', async () => {
    // a slow first byte keeps the call in flight until all 50 have arrived
    gw.sim.configure({ latencyMs: 1000, chunks: 6, chunkDelayMs: 30 });
    const messages = [{ role: 'user', content: prompt() }];
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        if (i % 2 === 0) {
          const res = await gw.post({ messages });
          const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
          return body.choices[0]?.message.content;
        }
        return streamText(
          await gw.openai.chat.completions.create({
            model: MODEL,
            messages: [{ role: 'user', content: prompt() }],
            stream: true,
          }),
        );
      }),
    );
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect(new Set(answers)).toEqual(new Set([defaultSimContent(prompt())]));
    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as { cache: { coalesced: number } };
    expect(metrics.cache.coalesced).toBeGreaterThanOrEqual(49);
  });

  it('keeps a shared stream going for the others when one follower disconnects', async () => {
    gw.sim.configure({ chunks: 10, chunkDelayMs: 40 });
    const body = JSON.stringify({ messages: [{ role: 'user', content: prompt() }], stream: true });
    const leaving = new AbortController();
    const quitter = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: leaving.signal,
    });
    const stayer = gw.post(body);
    const quitterRes = await quitter;
    await quitterRes.body?.getReader().read();
    leaving.abort();
    const text = await (await stayer).text();
    expect(text).toContain('data: [DONE]');
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect(gw.sim.stats.closedEarly).toBe(0);
  });

  it('aborts the shared upstream call when every listener has gone', async () => {
    gw.sim.configure({ chunks: 50, chunkDelayMs: 50 });
    const body = JSON.stringify({ messages: [{ role: 'user', content: prompt() }], stream: true });
    const controllers = [new AbortController(), new AbortController()];
    const responses = await Promise.all(
      controllers.map((c) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: c.signal,
        }),
      ),
    );
    await Promise.all(responses.map((r) => r.body?.getReader().read()));
    for (const c of controllers) c.abort();
    await gw.sim.waitFor((s) => s.closedEarly === 1, 1000);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('Cache-Control: no-cache skips the lookup but stores the fresh answer', async () => {
    await (await gw.post({ messages: [{ role: 'user', content: prompt() }] })).text();
    const fresh = await gw.post(
      { messages: [{ role: 'user', content: prompt() }] },
      { 'cache-control': 'no-cache' },
    );
    expect(fresh.headers.get('x-cache')).toBe('MISS');
    await fresh.text();
    expect(gw.sim.stats.chatRequests).toBe(2);
    const hit = await gw.post({ messages: [{ role: 'user', content: prompt() }] });
    expect(hit.headers.get('x-cache')).toBe('HIT');
  });

  it('Cache-Control: no-store neither reads nor writes the cache', async () => {
    const a = await gw.post(
      { messages: [{ role: 'user', content: prompt() }] },
      { 'cache-control': 'no-store' },
    );
    await a.text();
    const b = await gw.post({ messages: [{ role: 'user', content: prompt() }] });
    expect(b.headers.get('x-cache')).toBe('MISS');
    await b.text();
    const c = await gw.post(
      { messages: [{ role: 'user', content: prompt() }] },
      { 'cache-control': 'no-store' },
    );
    expect(c.headers.get('x-cache')).toBe('MISS');
    await c.text();
    expect(gw.sim.stats.chatRequests).toBe(3);
  });

  it('reports cache counters in /metrics', async () => {
    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as Record<string, unknown>;
    expect(metrics.cache_enabled).toBe(true);
    expect(metrics.cache).toMatchObject({
      backend: 'memory',
      hits: expect.any(Number),
      misses: expect.any(Number),
      hit_ratio: expect.any(Number),
      errors: 0,
      coalesced: expect.any(Number),
    });
  });
});

describe('with CACHE_ENABLED=false', () => {
  let off: TestGateway;
  beforeAll(async () => {
    off = await startGateway({ env: { CACHE_ENABLED: 'false' } });
  });
  afterAll(async () => off.close());

  it('every request goes upstream', async () => {
    for (let i = 0; i < 3; i += 1)
      await (await off.post({ messages: [{ role: 'user', content: 'same' }] })).text();
    expect(off.sim.stats.chatRequests).toBe(3);
    const metrics = (await (await fetch(`${off.url}/metrics`)).json()) as Record<string, unknown>;
    expect(metrics.cache_enabled).toBe(false);
  });
});
