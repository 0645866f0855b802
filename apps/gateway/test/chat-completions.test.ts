// POST /v1/chat/completions without streaming, driven by the official openai SDK and raw fetch.

import { expectOpenAIShape } from '@llm-gateway/test-support';
import { defaultSimContent } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, UPSTREAM_KEY, upstreamBody } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim.reset());

describe('non-stream chat completions', () => {
  it('returns the upstream completion intact, with usage.from_cache false', async () => {
    const completion = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    expect(completion.choices[0]?.message.content).toBe(defaultSimContent('Hello there'));
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('deepseek/deepseek-v3.2');
    // every field the upstream sent survives
    expect(completion.system_fingerprint).toBe('fp_sim');
    expect(completion.usage).toMatchObject({ from_cache: false, prompt_tokens: expect.any(Number) });
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('calls the upstream with the bearer key, the default model and every parameter unchanged', async () => {
    const body = {
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 7,
      n: 1,
      user: 'u-1',
      response_format: { type: 'text' },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'auto',
      some_future_parameter: { nested: [1, 2, 3] },
    };
    const res = await gw.post(body);
    expect(res.status).toBe(200);
    const seen = gw.sim.requests[0];
    expect(seen?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen?.body).toEqual({ ...body, model: 'deepseek/deepseek-v3.2' });
  });

  it('keeps the model a client names', async () => {
    const completion = await gw.openai.chat.completions.create({
      model: 'sim/echo',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.model).toBe('sim/echo');
    expect(upstreamBody(gw.sim).model).toBe('sim/echo');
  });

  it('passes every choice through when n > 1', async () => {
    const res = await gw.post({ messages: [{ role: 'user', content: 'two' }], n: 2 });
    const body = (await res.json()) as { choices: unknown[] };
    expect(body.choices).toHaveLength(2);
  });

  it('answers tool calls as the upstream sent them', async () => {
    gw.sim.configure({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const completion = await gw.openai.chat.completions.create({
      model: 'deepseek/deepseek-v3.2',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : undefined).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('sends a request id back and logs one line per request without prompt text or keys', async () => {
    const res = await gw.post(
      { messages: [{ role: 'user', content: 'very private prompt text' }] },
      {
        'x-request-id': 'req-abc-123',
      },
    );
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = (await gw.post({ messages: [{ role: 'user', content: 'x' }] })).headers.get(
      'x-request-id',
    );
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    await res.text();
    await new Promise((resolve) => setImmediate(resolve));
    // One line per request: the request's own facts and the spec's phrases ("Cache MISS", "LLM completion success").
    const lines = gw.logs.entries().filter((e) => e.reqId === 'req-abc-123');
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      model: 'deepseek/deepseek-v3.2',
    });
    expect(typeof line?.latency_ms).toBe('number');
    expect(line?.msg).toBe('request completed: Cache MISS, LLM completion success');
    expect(line).toMatchObject({ cache: 'MISS', upstream: 'default', attempts: 1 });
    expect(typeof line?.llm_latency_ms).toBe('number');
    const all = gw.logs.lines.join('\n');
    expect(all).not.toContain('very private prompt text');
    expect(all).not.toContain(UPSTREAM_KEY);
  });
});
