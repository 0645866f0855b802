// Issue 17: provider parameters and `extra` reach the upstream as sent (typed client and REST); streamParts splits reasoning.
import { caught, collect } from '@llm-gateway/test-support';
import type { SimScriptFault } from '@llm-gateway/upstream-sim';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, type StreamPart } from '../src/index.js';
import { prompt, type Stack, startStack } from './support.js';

type Json = Record<string, unknown>;

let stack: Stack;
let client: GatewayClient;

beforeAll(async () => {
  // No cache: each call below must reach the simulator.
  stack = await startStack({ CACHE_ENABLED: 'false' });
  client = createGatewayClient({ url: stack.gateway.url });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  stack.sim.reset();
});

/** The body of the only chat request the simulator received. */
function upstreamBody(): Json {
  expect(stack.sim.requests).toHaveLength(1);
  return stack.sim.requests[0]?.body as Json;
}

const PROVIDER = {
  reasoning: { effort: 'high' as const },
  provider: { order: ['deepseek', 'together'], allow_fallbacks: false, sort: 'price' as const },
  transforms: ['middle-out'],
  thinking: { type: 'enabled' as const },
  usage: { include: true },
  reasoning_effort: 'low' as const,
  parallel_tool_calls: false,
};

describe('provider parameters through the typed client', () => {
  it('chat.complete: typed fields as sent, `extra` merged at the top level', async () => {
    await client.chat.complete({
      ...prompt('provider params'),
      ...PROVIDER,
      extra: { foo: 1, vendor_flag: { nested: ['a', 'b'] } },
    });
    const body = upstreamBody();
    expect(body).toMatchObject({ ...PROVIDER, foo: 1, vendor_flag: { nested: ['a', 'b'] } });
    expect(body).not.toHaveProperty('extra');
    expect(body.messages).toEqual(prompt('provider params').messages);
  });

  it('chat.stream: the same body, with stream: true', async () => {
    await collect(
      client.chat.stream({ ...prompt('provider stream'), reasoning: { effort: 'high' }, extra: { foo: 1 } }),
    );
    expect(upstreamBody()).toMatchObject({ reasoning: { effort: 'high' }, foo: 1, stream: true });
    expect(upstreamBody()).not.toHaveProperty('extra');
  });

  it('refuses an `extra` key that is also a typed field, `extra.stream`, and a non-object `extra`', async () => {
    const conflict = await caught(() =>
      client.chat.complete({ ...prompt('x'), temperature: 0.1, extra: { temperature: 0.9 } }),
    );
    expect(conflict).toMatchObject({ code: 'invalid_request', status: 400, param: 'extra.temperature' });
    const stream = await caught(() => client.chat.complete({ ...prompt('x'), extra: { stream: true } }));
    expect(stream).toMatchObject({ code: 'invalid_request', param: 'extra.stream' });
    const notObject = await caught(() =>
      client.chat.complete({ ...prompt('x'), extra: ['foo'] as unknown as Record<string, unknown> }),
    );
    expect(notObject).toMatchObject({ code: 'invalid_request', param: 'extra' });
    expect(stack.sim.stats.chatRequests).toBe(0);
  });

  it('validates the merged body as REST does: a bad field from `extra` names its place', async () => {
    const error = await caught(() => client.chat.complete({ ...prompt('x'), extra: { top_p: 7 } }));
    expect(error).toMatchObject({ code: 'invalid_request', param: 'top_p' });
  });
});

describe('provider parameters through REST', () => {
  it('the openai SDK with extra fields: the upstream sees reasoning and a top-level foo', async () => {
    const openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    // The SDK's way to send a field its types lack: the body is sent as given (its `extra_body`).
    const params = {
      model: 'gpt-4o-mini',
      ...prompt('rest provider params'),
      reasoning: { effort: 'high' },
      foo: 1,
    };
    await openai.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(upstreamBody()).toMatchObject({ reasoning: { effort: 'high' }, foo: 1 });
  });

  it('the same body through the typed client and REST reaches the upstream identically', async () => {
    const typed = { ...prompt('same body'), model: 'gpt-4o-mini', reasoning: { effort: 'high' as const } };
    await client.chat.complete({ ...typed, extra: { foo: 1 } });
    const viaClient = upstreamBody();
    stack.sim.reset();
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...typed, foo: 1 }),
    });
    expect(res.status).toBe(200);
    expect(upstreamBody()).toEqual(viaClient);
  });
});

// DeepSeek's stream: reasoning_content, then content; OpenRouter's: `reasoning` (with reasoning_details).
const HEAD = {
  id: 'parts-1',
  object: 'chat.completion.chunk',
  created: 1767000020,
  model: 'deepseek-reasoner',
};
const chunk = (delta: Json, finish: string | null = null) => ({
  ...HEAD,
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const REASONING = ['Two', ' plus two', ' is four.'];
const CONTENT = ['The answer', ' is 4.'];
const DEEPSEEK: SimScriptFault = {
  kind: 'script',
  events: [
    chunk({ role: 'assistant', content: null, reasoning_content: '' }),
    ...REASONING.map((text) => chunk({ content: null, reasoning_content: text })),
    ...CONTENT.map((text) => chunk({ content: text, reasoning_content: null })),
    chunk({ content: '' }, 'stop'),
  ],
};
const OPENROUTER: SimScriptFault = {
  kind: 'script',
  events: [
    ...REASONING.map((text) =>
      chunk({
        role: 'assistant',
        content: '',
        reasoning: text,
        reasoning_details: [{ type: 'reasoning.text', text }],
      }),
    ),
    ...CONTENT.map((text) => chunk({ role: 'assistant', content: text, reasoning: null })),
    chunk({ content: '' }, 'stop'),
  ],
};
const EXPECTED: StreamPart[] = [
  ...REASONING.map((text) => ({ type: 'reasoning' as const, text })),
  ...CONTENT.map((text) => ({ type: 'content' as const, text })),
];

describe('chat.streamParts', () => {
  it.each([
    ['DeepSeek reasoning_content', DEEPSEEK],
    ['OpenRouter reasoning', OPENROUTER],
  ])('yields the reasoning, then the answer (%s)', async (_name, script) => {
    stack.sim.enqueue(script);
    expect(await collect(client.chat.streamParts(prompt('parts')))).toEqual(EXPECTED);
  });

  it('streamText still yields only the answer', async () => {
    stack.sim.enqueue(DEEPSEEK);
    expect((await collect(client.chat.streamText(prompt('parts text')))).join('')).toBe(CONTENT.join(''));
  });
});
