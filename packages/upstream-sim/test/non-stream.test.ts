// Non-streamed chat completions, models, routing, auth and error bodies, checked against OpenAI's schemas.
import { Agent, request as httpRequest } from 'node:http';
import { expectOpenAIShape } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { defaultSimContent } from '../src/index.js';
import { chatBody, postChat, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: {
      role: string;
      content: string | null;
      refusal: null;
      tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
    };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

describe('POST /v1/chat/completions (non-stream)', () => {
  it('answers a schema-valid chat.completion with the default content and Content-Length', async () => {
    const sim = await startSim();
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    const body = JSON.parse(text) as Completion;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body).toMatchObject({
      id: 'chatcmpl-sim-1',
      object: 'chat.completion',
      model: 'sim/echo',
      system_fingerprint: 'fp_sim',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Simulated answer to: Hello, simulator!', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    });
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(5);
    expect(body.usage.prompt_tokens).toBeGreaterThanOrEqual(1);
    expect(body.usage.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('uses the first model when the request names none, and fresh ids per completion', async () => {
    const sim = await startSim({ models: ['first/model', 'second/model'] });
    const a = (await (await postChat(sim, { messages: [] })).json()) as Completion;
    const b = (await (await postChat(sim, chatBody())).json()) as Completion;
    expectOpenAIShape('CreateChatCompletionResponse', a);
    expect(a.model).toBe('first/model');
    expect(a.choices[0]?.message.content).toBe(defaultSimContent(''));
    expect(b.model).toBe('sim/echo');
    expect(a.id).not.toBe(b.id);
  });

  it('answers the last user message, joining text parts', async () => {
    const sim = await startSim();
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'part one' },
          { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
          { type: 'text', text: 'part two' },
        ],
      },
    ];
    const body = (await (await postChat(sim, { messages })).json()) as Completion;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0]?.message.content).toBe(defaultSimContent('part one\npart two'));
  });

  it('returns n choices when n > 1, counting completion tokens for each', async () => {
    const sim = await startSim({ reply: { content: 'abcdefgh' } });
    const body = (await (await postChat(sim, chatBody({ n: 3 }))).json()) as Completion;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(body.choices.every((c) => c.message.content === 'abcdefgh')).toBe(true);
    expect(body.usage.completion_tokens).toBe(3 * 2);
  });

  it('answers with tool_calls when configured', async () => {
    const sim = await startSim();
    sim.configure({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const body = (await (await postChat(sim, chatBody())).json()) as Completion;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    const choice = body.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'call_sim-1_0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    // An empty list switches tool calls off again.
    sim.configure({ toolCalls: [], content: 'plain' });
    const plain = (await (await postChat(sim, chatBody())).json()) as Completion;
    expect(plain.choices[0]?.message).toEqual({ role: 'assistant', content: 'plain', refusal: null });
  });

  it('waits latencyMs before answering', async () => {
    const sim = await startSim({ reply: { latencyMs: 120 } });
    const started = performance.now();
    const res = await postChat(sim, chatBody());
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expectOpenAIShape('CreateChatCompletionResponse', await res.json());
  });

  it('rejects invalid JSON with an OpenAI 400 and records the raw body', async () => {
    const sim = await startSim();
    const res = await postChat(sim, '{"messages": [');
    expect(res.status).toBe(400);
    const body = await res.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
    expect(sim.requests.at(-1)?.body).toBe('{"messages": [');
    const notObject = await postChat(sim, '[1,2]');
    expect(notObject.status).toBe(400);
    expectOpenAIShape('ErrorResponse', await notObject.json());
  });
});

describe('other routes', () => {
  it('lists the models', async () => {
    const sim = await startSim();
    const res = await fetch(`${sim.baseUrl}/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['deepseek/deepseek-v3.2', 'sim/echo']);
    for (const model of body.data) {
      expect(model).toEqual({
        id: model.id,
        object: 'model',
        created: expect.any(Number),
        owned_by: 'upstream-sim',
      });
    }
  });

  it('answers unknown paths and methods with an OpenAI 404', async () => {
    const sim = await startSim();
    for (const res of [
      await fetch(`${sim.url}/nope`),
      await fetch(`${sim.baseUrl}/chat/completions`),
      await fetch(`${sim.baseUrl}/models`, { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(404);
      expectOpenAIShape('ErrorResponse', await res.json());
    }
    expect(sim.stats.requests).toBe(3);
    expect(sim.stats.chatRequests).toBe(0);
  });

  it('requires the API key when one is configured', async () => {
    const sim = await startSim({ apiKey: 'sk-sim' });
    for (const authorization of [undefined, 'Bearer wrong', 'sk-sim']) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const res = await postChat(sim, chatBody(), { headers });
      expect(res.status).toBe(401);
      const body = await res.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body).toMatchObject({ error: { code: 'invalid_api_key' } });
    }
    expect((await fetch(`${sim.baseUrl}/models`)).status).toBe(401);
    const ok = await postChat(sim, chatBody(), { headers: { authorization: 'Bearer sk-sim' } });
    expect(ok.status).toBe(200);
    expectOpenAIShape('CreateChatCompletionResponse', await ok.json());
  });

  it('keeps connections alive between requests', async () => {
    const sim = await startSim();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<boolean> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${sim.baseUrl}/models`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get()).toBe(false);
      expect(await get()).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
