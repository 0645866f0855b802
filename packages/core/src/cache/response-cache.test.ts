// Tests for the response cache over a store: answers encoded and read back, foreign and old-format values.
import type { ChatCompletion } from '@llm-gateway/contracts';
import { createManualClock } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { sampleCompletion } from '../../test/sample-completion.js';
import { answerJson, serializeAnswer } from '../completion/answer-text.js';
import type { CacheStore } from './cache-store.js';
import { createMemoryCacheStore } from './memory-cache-store.js';
import { createResponseCache } from './response-cache.js';

/** A completion with token counts, so the test sees they survive next to the flag. */
function completion(content: string): ChatCompletion {
  return {
    ...sampleCompletion(content),
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, from_cache: false },
  };
}

/** The completion a client receives with the flag set as given. */
function served(value: ChatCompletion, fromCache: boolean): ChatCompletion {
  return { ...value, usage: { ...value.usage, from_cache: fromCache } };
}

/** A response cache over a memory store; the store is returned too, to write values past the cache. */
function cacheOverMemory() {
  const store: CacheStore = createMemoryCacheStore({
    maxEntries: 10,
    maxBytes: 100_000,
    clock: createManualClock(),
  });
  const cache = createResponseCache({ store, ttlSeconds: 60, keyPrefix: 'test:response-cache:' });
  const key = cache.key({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
  return { store, cache, key };
}

describe('createResponseCache', () => {
  it('reads a stored answer back equal, with from_cache settable either way', async () => {
    const { cache, key } = cacheOverMemory();
    const answer = serializeAnswer(completion('original'));
    await cache.store(key, answer);
    const first = await cache.lookup(key);
    expect(first).toEqual(answer);
    if (first === undefined) throw new Error('expected a hit');
    expect(JSON.parse(answerJson(first, true))).toEqual(served(completion('original'), true));
    // Serving one hit as from_cache must not change the entry: the next reader sets the flag afresh.
    const second = await cache.lookup(key);
    if (second === undefined) throw new Error('expected a hit');
    expect(JSON.parse(answerJson(second, false))).toEqual(completion('original'));
    expect(JSON.parse(answerJson(second, true))).toEqual(served(completion('original'), true));
    expect(cache.snapshot()).toMatchObject({ hits: 2, misses: 0, errors: 0, degraded: false });
  });

  it('misses on a stored value that is not an answer, counted as an error without degrading', async () => {
    const { store, cache, key } = cacheOverMemory();
    // Written straight into the store: corrupt, or put there by something other than this cache.
    await store.set(key, 'not an answer', 60);
    await expect(cache.lookup(key)).resolves.toBeUndefined();
    await store.set(key, '{"hello":"world"}', 60);
    await expect(cache.lookup(key)).resolves.toBeUndefined();
    // A plain miss is not an error.
    await expect(cache.lookup(`${key}:absent`)).resolves.toBeUndefined();
    expect(cache.snapshot()).toMatchObject({ hits: 0, misses: 3, errors: 2, degraded: false });
  });

  it('reads the bare completion JSON an earlier version stored as an answer', async () => {
    const { store, cache, key } = cacheOverMemory();
    await store.set(key, JSON.stringify(completion('legacy')), 60);
    const answer = await cache.lookup(key);
    if (answer === undefined) throw new Error('expected a hit');
    expect(JSON.parse(answerJson(answer, true))).toEqual(served(completion('legacy'), true));
    expect(JSON.parse(answerJson(answer, false))).toEqual(completion('legacy'));
    expect(cache.snapshot()).toMatchObject({ hits: 1, misses: 0, errors: 0 });
  });
});
