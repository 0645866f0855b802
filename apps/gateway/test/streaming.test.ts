// POST /v1/chat/completions with stream: true — bytes on the wire, the SDK's view, usage, and no buffering.

import { collect, expectOpenAIShape, sseData, streamedContent } from '@llm-gateway/test-support';
import { defaultSimContent } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, UPSTREAM_KEY, upstreamBody } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim.reset());

/** Blanks the fields that differ between two answers to the same request (id counter, clock). */
function normalise(sse: string): string {
  return sse.replace(/"id":"[^"]*"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');
}

describe('streaming chat completions', () => {
  it('forwards the upstream events byte for byte, then [DONE]', async () => {
    const body = { model: 'sim/echo', messages: [{ role: 'user', content: 'stream me' }], stream: true };
    const direct = await fetch(`${gw.sim.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${UPSTREAM_KEY}` },
      body: JSON.stringify(body),
    });
    const expected = await direct.text();

    const res = await gw.post(body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const text = await res.text();
    expect(normalise(text)).toBe(normalise(expected));
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseData(text);
    for (const event of events.slice(0, -1))
      expectOpenAIShape('CreateChatCompletionStreamResponse', JSON.parse(event));
  });

  it('is assembled by the openai SDK into the text the upstream sent', async () => {
    gw.sim.configure({ chunks: 7 });
    const stream = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'tell me' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(defaultSimContent('tell me'));
    expect(finish).toBe('stop');
    expect(gw.sim.stats.streamRequests).toBe(1);
  });

  it('honours stream_options.include_usage with a final usage chunk with empty choices', async () => {
    const stream = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ from_cache: false, total_tokens: expect.any(Number) });
    expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);
    expect(upstreamBody(gw.sim).stream_options).toEqual({
      include_usage: true,
    });
  });

  it('forwards each chunk as it arrives, before the upstream has finished', async () => {
    gw.sim.configure({ chunks: 4, chunkDelayMs: 150 });
    const res = await gw.post({ messages: [{ role: 'user', content: 'slow' }], stream: true });
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let received = '';
    // read until the first content event is in hand
    while (!/"content":"[^"]+"/.test(received)) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toMatch(/"content":"[^"]+"/);
    // the upstream response is still in progress: nothing was held back until the end
    expect(gw.sim.stats.active).toBe(1);
    expect(received).not.toContain('[DONE]');
    await reader.cancel();
  });

  it('streams tool calls', async () => {
    gw.sim.configure({ toolCalls: [{ name: 'lookup', arguments: '{"q":"abc"}' }] });
    const stream = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      stream: true,
    });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    expect(name).toBe('lookup');
    expect(args).toBe('{"q":"abc"}');
  });
});

describe('with STREAMING_ENABLED=false', () => {
  let off: TestGateway;
  beforeAll(async () => {
    off = await startGateway({ env: { STREAMING_ENABLED: 'false' } });
  });
  afterAll(async () => off.close());

  it('answers a stream request in SSE form from one non-stream upstream call', async () => {
    const res = await off.post({
      messages: [{ role: 'user', content: 'no streaming here' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = sseData(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatchObject({
      choices: [
        {
          delta: { role: 'assistant', content: defaultSimContent('no streaming here') },
          finish_reason: null,
        },
      ],
    });
    expect(chunks[1]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(chunks[2]).toMatchObject({ choices: [], usage: { from_cache: false } });
    expect(off.sim.stats.streamRequests).toBe(0);
    const sent = upstreamBody(off.sim);
    expect(sent.stream).toBeUndefined();
    expect(sent.stream_options).toBeUndefined();
  });

  it('still works through the openai SDK', async () => {
    const stream = await off.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'sdk' }],
      stream: true,
    });
    expect(streamedContent(await collect(stream))).toBe(defaultSimContent('sdk'));
  });
});
