// Issue 13: every field a provider sends survives a miss stream, a cached stream, a JSON hit and a JSON-first hit.
import { expectOpenAIShape, streamedContent } from '@llm-gateway/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { comparable, foldChunks, fromCache } from './support/folded-answer.js';
import { chatRequest, jsonAnswer, storeWritten, streamedAnswer } from './support/provider-calls.js';
import {
  DEEPSEEK,
  ERROR_CONTENT,
  ERROR_SCRIPT,
  PROVIDER_SCRIPTS,
  type ProviderScript,
  scriptOf,
} from './support/provider-scripts.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());
beforeEach(() => {
  gw.sim.reset();
});

/** Streams the script's answer once, a miss, and waits until the cache holds it. */
async function missStream(provider: ProviderScript, prompt: string) {
  gw.sim.enqueue(scriptOf(provider));
  const miss = await streamedAnswer(gw, chatRequest(provider, prompt));
  await storeWritten();
  return miss;
}

// A wrong fixture would make every comparison below meaningless, so the fixtures are checked first.
describe('the provider scripts', () => {
  it.each(PROVIDER_SCRIPTS)(
    '$name: the chunks fold to the JSON completion, both OpenAI-shaped',
    (provider) => {
      expect(comparable(foldChunks(provider.events))).toEqual(comparable(provider.json));
      for (const chunk of provider.events) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
      expectOpenAIShape('CreateChatCompletionResponse', provider.json);
    },
  );
});

describe.each(PROVIDER_SCRIPTS)('$name', (provider) => {
  const upstream = comparable(foldChunks(provider.events));

  it('a: the miss stream carries every field the upstream streamed', async () => {
    const miss = await missStream(provider, 'a');
    expect(miss.status).toBe(200);
    expect(miss.cache).toBe('MISS');
    expect(miss.data.at(-1)).toBe('[DONE]');
    const folded = foldChunks(miss.chunks);
    expect(comparable(folded)).toEqual(upstream);
    expect(fromCache(folded)).toBe(false);
    expect(gw.sim.stats.streamRequests).toBe(1);
  });

  it('b: the cached stream folds to the same answer as the miss', async () => {
    const miss = foldChunks((await missStream(provider, 'b')).chunks);
    const hit = await streamedAnswer(gw, chatRequest(provider, 'b'));
    expect(hit.cache).toBe('HIT');
    expect(gw.sim.stats.chatRequests).toBe(1);
    expect(hit.data.at(-1)).toBe('[DONE]');
    for (const chunk of hit.chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const folded = foldChunks(hit.chunks);
    expect(comparable(folded)).toEqual(comparable(miss));
    expect(comparable(folded)).toEqual(upstream);
    expect(fromCache(folded)).toBe(true);
  });

  it('c: a JSON hit after the stream carries the same fields as the fold', async () => {
    await missStream(provider, 'c');
    const hit = await jsonAnswer(gw, chatRequest(provider, 'c'));
    expect(hit.status).toBe(200);
    expect(hit.cache).toBe('HIT');
    expect(gw.sim.stats.chatRequests).toBe(1);
    expectOpenAIShape('CreateChatCompletionResponse', hit.body);
    expect(comparable(hit.body)).toEqual(upstream);
    expect(fromCache(hit.body)).toBe(true);
  });

  it('d: JSON first, then a stream hit that folds to the JSON answer', async () => {
    gw.sim.enqueue(scriptOf(provider));
    const first = await jsonAnswer(gw, chatRequest(provider, 'd'));
    expect(first.cache).toBe('MISS');
    expect(comparable(first.body)).toEqual(comparable(provider.json));
    expect(fromCache(first.body)).toBe(false);
    await storeWritten();
    const hit = await streamedAnswer(gw, chatRequest(provider, 'd'));
    expect(hit.cache).toBe('HIT');
    expect(gw.sim.stats).toMatchObject({ chatRequests: 1, streamRequests: 0 });
    expect(hit.data.at(-1)).toBe('[DONE]');
    for (const chunk of hit.chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const folded = foldChunks(hit.chunks);
    expect(comparable(folded)).toEqual(comparable(first.body));
    expect(fromCache(folded)).toBe(true);
  });
});

describe('a stream that ends in an error chunk', () => {
  /** Streams the failing script: the content, then the error, then the end. */
  async function failedStream(prompt: string) {
    gw.sim.enqueue(ERROR_SCRIPT);
    const failed = await streamedAnswer(gw, chatRequest(DEEPSEEK, prompt));
    await storeWritten();
    return failed;
  }

  it('reaches the client as the content, then an error event, and no [DONE]', async () => {
    const failed = await failedStream('error event');
    expect(failed.status).toBe(200);
    expect(failed.data).not.toContain('[DONE]');
    const last = failed.chunks.at(-1);
    expect(last).toHaveProperty('error.message', expect.any(String));
    expect(streamedContent(failed.chunks.slice(0, -1))).toBe(ERROR_CONTENT.join(''));
  });

  it('is not cached: the same stream again reaches the upstream', async () => {
    await failedStream('error then stream');
    gw.sim.enqueue(scriptOf(DEEPSEEK));
    const again = await streamedAnswer(gw, chatRequest(DEEPSEEK, 'error then stream'));
    expect(again.cache).toBe('MISS');
    expect(gw.sim.stats.chatRequests).toBe(2);
    expect(comparable(foldChunks(again.chunks))).toEqual(comparable(foldChunks(DEEPSEEK.events)));
  });

  it('is not cached: the same request as JSON reaches the upstream', async () => {
    await failedStream('error then json');
    gw.sim.enqueue(scriptOf(DEEPSEEK));
    const again = await jsonAnswer(gw, chatRequest(DEEPSEEK, 'error then json'));
    expect(again.cache).toBe('MISS');
    expect(gw.sim.stats.chatRequests).toBe(2);
    expect(comparable(again.body)).toEqual(comparable(DEEPSEEK.json));
  });
});
