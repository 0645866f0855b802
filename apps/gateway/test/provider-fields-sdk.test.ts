// Issue 13 through the openai SDK: the chunks it yields and its finalChatCompletion() keep a provider's fields on miss and hit.
import { caught, collect } from '@llm-gateway/test-support';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { comparable, foldChunks, fromCache } from './support/folded-answer.js';
import { chatRequest, storeWritten } from './support/provider-calls.js';
import {
  DEEPSEEK,
  ERROR_CONTENT,
  ERROR_SCRIPT,
  PROVIDER_SCRIPTS,
  type ProviderScript,
  scriptOf,
} from './support/provider-scripts.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

type Json = Record<string, unknown>;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => {
  gw.sim.reset();
});

function streamParams(provider: ProviderScript, prompt: string): ChatCompletionCreateParamsStreaming {
  return {
    ...chatRequest(provider, prompt),
    stream: true,
    stream_options: { include_usage: true },
  } as unknown as ChatCompletionCreateParamsStreaming;
}

/**
 * Message fields the SDK's ChatCompletionStream folds itself (content and refusal concatenated, tool calls
 * merged by index). Any other delta field (reasoning_content, reasoning, reasoning_details, annotations) it
 * keeps with Object.assign: the key survives, the value is the last delta's (a later `null` included), so
 * its value depends on how the answer was cut into chunks and only its presence is compared.
 */
const SDK_FOLDED = new Set(['role', 'content', 'refusal', 'tool_calls', 'function_call']);
const KEPT_AS_LAST_DELTA = '(the last delta’s value)';

/** finalChatCompletion() as the comparison sees it: chunking-dependent values marked, then `comparable`. */
function sdkView(completion: ChatCompletion): unknown {
  const view = structuredClone(completion) as unknown as { choices: Array<{ message: Json }> };
  for (const { message } of view.choices)
    for (const key of Object.keys(message)) if (!SDK_FOLDED.has(key)) message[key] = KEPT_AS_LAST_DELTA;
  return comparable(view);
}

/** Every field name of a completion: top-level, per choice and per message, as `choices[i].message.x`. */
function fieldNames(answer: unknown): string[] {
  const { choices, ...top } = answer as { choices: Array<Json & { message: Json }> };
  const names = Object.keys(top);
  choices.forEach(({ message, ...fields }, i) => {
    names.push(...Object.keys(fields).map((key) => `choices[${i}].${key}`));
    names.push(...Object.keys(message).map((key) => `choices[${i}].message.${key}`));
  });
  return names.sort();
}

describe.each(PROVIDER_SCRIPTS)('$name (openai SDK)', (provider) => {
  const upstream = comparable(foldChunks(provider.events));

  it('create({ stream: true }): the chunks of the miss and of the hit fold to the upstream answer', async () => {
    gw.sim.enqueue(scriptOf(provider));
    const params = streamParams(provider, 'sdk create');
    const miss = foldChunks(await collect(await gw.openai.chat.completions.create(params)));
    await storeWritten();
    const hit = foldChunks(await collect(await gw.openai.chat.completions.create(params)));
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect(comparable(miss)).toEqual(upstream);
    expect(comparable(hit)).toEqual(upstream);
    expect([fromCache(miss), fromCache(hit)]).toEqual([false, true]);
  });

  it('stream() → finalChatCompletion(): what the SDK keeps is the same on miss and hit', async () => {
    gw.sim.enqueue(scriptOf(provider));
    const params = streamParams(provider, 'sdk final');
    const miss = await gw.openai.chat.completions.stream(params).finalChatCompletion();
    await storeWritten();
    const hit = await gw.openai.chat.completions.stream(params).finalChatCompletion();
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect(sdkView(hit)).toEqual(sdkView(miss));
    // Every field the upstream sent a value for is in the SDK's completion, on the miss and on the hit.
    expect(fieldNames(miss)).toEqual(expect.arrayContaining(fieldNames(upstream)));
    expect(fieldNames(hit)).toEqual(expect.arrayContaining(fieldNames(upstream)));
    const texts = (answer: unknown) =>
      (answer as { choices: Array<{ message: { content?: string | null } }> }).choices.map(
        ({ message }) => message.content ?? null,
      );
    expect(texts(miss)).toEqual(texts(upstream));
    expect([fromCache(miss), fromCache(hit)]).toEqual([false, true]);
  });
});

describe('DeepSeek reasoning_content with the SDK', () => {
  it('finalChatCompletion() keeps the key on miss and hit; the SDK chunks carry the whole reasoning', async () => {
    gw.sim.enqueue(scriptOf(DEEPSEEK));
    const params = streamParams(DEEPSEEK, 'sdk reasoning');
    const reasoning = (DEEPSEEK.json as { choices: Array<{ message: Json }> }).choices[0]?.message
      .reasoning_content;
    for (const phase of ['miss', 'hit']) {
      const stream = gw.openai.chat.completions.stream(params);
      const folded = foldChunks(await collect(stream)) as { choices: Array<{ message: Json }> };
      const final = await stream.finalChatCompletion();
      expect(folded.choices[0]?.message.reasoning_content, phase).toBe(reasoning);
      expect(final.choices[0]?.message, phase).toHaveProperty('reasoning_content');
      await storeWritten();
    }
    expect(gw.sim.stats.chatRequests).toBe(1);
  });
});

describe('a stream that ends in an error chunk (openai SDK)', () => {
  it('rejects the iteration with an APIError after the content, and a retry reaches the upstream', async () => {
    gw.sim.enqueue(ERROR_SCRIPT);
    const params = streamParams(DEEPSEEK, 'sdk error');
    const seen: string[] = [];
    const error = await caught(async () => {
      for await (const chunk of await gw.openai.chat.completions.create(params))
        seen.push(chunk.choices[0]?.delta.content ?? '');
    });
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(seen.join('')).toBe(ERROR_CONTENT.join(''));
    await storeWritten();
    gw.sim.enqueue(scriptOf(DEEPSEEK));
    const again = foldChunks(await collect(await gw.openai.chat.completions.create(params)));
    expect(gw.sim.stats.chatRequests).toBe(2);
    expect(comparable(again)).toEqual(comparable(foldChunks(DEEPSEEK.events)));
  });
});
