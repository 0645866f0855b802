// Issue 13 through the typed client: DeepSeek's reasoning_content on chat.stream and chat.complete, miss and hit.
import { collect } from '@llm-gateway/test-support';
import type { SimScriptFault } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../src/index.js';
import { prompt, type Stack, startStack } from './support.js';

type Json = Record<string, unknown>;

let stack: Stack;
let client: GatewayClient;

beforeAll(async () => {
  stack = await startStack();
  client = createGatewayClient({ url: stack.gateway.url });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  stack.sim.reset();
});

// DeepSeek's shape: reasoning_content pieces, then content pieces, each with the other field null.
const REASONING = ['Two', ' plus two', ' makes four.'];
const CONTENT = ['The answer', ' is', ' 4.'];
const HEAD = { id: 'ds-client-1', created: 1767000010, model: 'deepseek-reasoner' };
const USAGE = { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20, prompt_cache_miss_tokens: 8 };
const chunk = (delta: Json, finish: string | null = null) => ({
  ...HEAD,
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

const DEEPSEEK: SimScriptFault = {
  kind: 'script',
  events: [
    chunk({ role: 'assistant', content: null, reasoning_content: '' }),
    ...REASONING.map((piece) => chunk({ content: null, reasoning_content: piece })),
    ...CONTENT.map((piece) => chunk({ content: piece, reasoning_content: null })),
    chunk({ content: '', reasoning_content: null }, 'stop'),
    { ...HEAD, object: 'chat.completion.chunk', choices: [], usage: USAGE },
  ],
  json: {
    ...HEAD,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: CONTENT.join(''),
          reasoning_content: REASONING.join(''),
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
  },
};

/** What the reasoning and the answer must be, on every path. */
const EXPECTED = { content: CONTENT.join(''), reasoning_content: REASONING.join('') };

/** The first choice's text fields as the chunks spell them: each string field of the delta concatenated. */
function foldedText(chunks: readonly unknown[]): Json {
  const message: Json = {};
  for (const item of chunks) {
    const delta = (item as { choices: Array<{ delta?: Json }> }).choices[0]?.delta ?? {};
    for (const [key, value] of Object.entries(delta)) {
      if (key === 'role' || typeof value !== 'string') continue;
      const before = message[key];
      message[key] = typeof before === 'string' ? before + value : value;
    }
  }
  return message;
}

/** The last usage a stream carried (the include_usage chunk). */
function lastUsage(chunks: readonly unknown[]): Json | undefined {
  const usages = chunks
    .map((item) => (item as { usage?: Json | null }).usage)
    .filter((usage) => usage != null);
  return usages.at(-1) ?? undefined;
}

/** The cache entry is written just after the stream's end reaches the client. */
const storeWritten = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('DeepSeek reasoning_content through the typed client', () => {
  it('chat.stream keeps it on the miss and on the cached stream, chat.complete on the JSON hit', async () => {
    stack.sim.enqueue(DEEPSEEK);
    const request = { ...prompt('client reasoning, stream first'), stream_options: { include_usage: true } };
    const miss = await collect(client.chat.stream(request));
    expect(foldedText(miss)).toEqual(EXPECTED);
    expect(lastUsage(miss)).toMatchObject({ ...USAGE, from_cache: false });
    await storeWritten();

    const hit = await collect(client.chat.stream(request));
    expect(stack.sim.stats.chatRequests).toBe(1);
    expect(foldedText(hit)).toEqual(EXPECTED);
    expect(lastUsage(hit)).toMatchObject({ ...USAGE, from_cache: true });

    const json = await client.chat.complete(prompt('client reasoning, stream first'));
    expect(stack.sim.stats.chatRequests).toBe(1);
    expect(json.usage?.from_cache).toBe(true);
    // The client's message type has no reasoning_content yet (typing it is another issue's work).
    expect(json.choices[0]?.message as Record<string, unknown>).toMatchObject(EXPECTED);
  });

  it('chat.complete keeps it on the miss, and chat.stream replays it from the cache', async () => {
    stack.sim.enqueue(DEEPSEEK);
    const first = await client.chat.complete(prompt('client reasoning, JSON first'));
    expect(first.usage?.from_cache).toBe(false);
    expect(first.choices[0]?.message as Record<string, unknown>).toMatchObject(EXPECTED);
    await storeWritten();

    const hit = await collect(
      client.chat.stream({
        ...prompt('client reasoning, JSON first'),
        stream_options: { include_usage: true },
      }),
    );
    expect(stack.sim.stats).toMatchObject({ chatRequests: 1, streamRequests: 0 });
    expect(foldedText(hit)).toEqual(EXPECTED);
    expect(lastUsage(hit)).toMatchObject({ ...USAGE, from_cache: true });
  });
});
