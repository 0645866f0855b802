// Usage, token limits and budgets through the chat engine, against the upstream simulator (which reports usage).
import type { ChatCompletionRequest } from '@llm-gateway/contracts';
import { caught, collect } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completionOf, streamChunks } from '../../test/chat-calls.js';
import { createMemoryCacheStore } from '../cache/memory-cache-store.js';
import { createResponseCache } from '../cache/response-cache.js';
import { createRateLimiter, type RateLimiter } from '../rate-limit/rate-limiter.js';
import { singleUpstreamRoutes } from '../routing/single-upstream.js';
import { createUpstreamClient } from '../upstream/upstream-client.js';
import type { KeyPolicy } from '../usage/key-policy.js';
import { createUsageMeter, type UsageMeter } from '../usage/usage-meter.js';
import { createMemoryUsageStore } from '../usage/usage-store.js';
import { type ChatServiceOptions, createChatService } from './chat-service.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());
afterEach(() => sim.reset());

const MODEL = 'sim/model';
const DAY = '2026-12-01';
const now = () => Date.parse(`${DAY}T12:00:00Z`);
const PRICES = { [MODEL]: { prompt: 1000, completion: 2000 } };

function meter(): UsageMeter {
  return createUsageMeter({ store: createMemoryUsageStore(), prices: PRICES, now });
}

function service(overrides: Partial<ChatServiceOptions> = {}) {
  return createChatService({
    routes: singleUpstreamRoutes({
      client: createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000 }),
      model: MODEL,
    }),
    streamingEnabled: true,
    wallClock: now,
    ...overrides,
  });
}

const ask = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  messages: [{ role: 'user', content }],
  ...extra,
});

const caller = (name: string, more: Partial<KeyPolicy> = {}): KeyPolicy => ({ name, admin: false, ...more });

const totals = async (usage: UsageMeter, key: string) =>
  (await usage.report({ key, from: DAY, to: DAY })).totals;

describe('usage accounting', () => {
  it('counts JSON and stream answers exactly as the upstream reported them; hits and followers as saved', async () => {
    const usage = meter();
    const cache = createResponseCache({
      store: createMemoryCacheStore({ maxEntries: 10, maxBytes: 1_000_000 }),
      ttlSeconds: 60,
      keyPrefix: 'c:',
    });
    const chat = service({ usage, cache });
    const bot = { caller: caller('bot') };
    const first = await completionOf(chat, ask('json one'), bot);
    const hit = await completionOf(chat, ask('json one'), bot);
    const streamed = await collect(
      streamChunks(chat, ask('stream one', { stream_options: { include_usage: true } }), bot),
    );
    const [a, b] = await Promise.all([
      completionOf(chat, ask('together'), bot),
      completionOf(chat, ask('together'), bot),
    ]);
    const streamUsage = streamed.at(-1)?.usage as {
      total_tokens: number;
      prompt_tokens: number;
      completion_tokens: number;
    };
    const fresh = [first.usage, streamUsage, a.usage] as Array<{
      prompt_tokens: number;
      completion_tokens: number;
      total_tokens: number;
    }>;
    const t = await totals(usage, 'bot');
    expect(t).toMatchObject({
      requests: 5,
      cached_requests: 2,
      prompt_tokens: fresh.reduce((sum, u) => sum + u.prompt_tokens, 0),
      completion_tokens: fresh.reduce((sum, u) => sum + u.completion_tokens, 0),
      total_tokens: fresh.reduce((sum, u) => sum + u.total_tokens, 0),
      saved_tokens: (hit.usage?.total_tokens ?? 0) + (b.usage?.total_tokens ?? 0),
      estimated_requests: 0,
      cost_complete: true,
    });
    expect(sim.stats.requests).toBe(3);
  });

  it('asks a direct stream for usage, counts it, and hides the usage chunk from a client that did not ask', async () => {
    const usage = meter();
    const chunks = await collect(
      streamChunks(service({ usage }), ask('no usage asked'), { caller: caller('bot') }),
    );
    expect(chunks.some((chunk) => chunk.usage != null)).toBe(false);
    expect(sim.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect((await totals(usage, 'bot')).total_tokens).toBeGreaterThan(0);
  });

  it('estimates a stream the client left early, and marks it', async () => {
    sim.configure({ chunks: 20, chunkDelayMs: 5 });
    const usage = meter();
    const chat = service({ usage });
    let seen = 0;
    for await (const _chunk of streamChunks(chat, ask('cut me short'), { caller: caller('bot') })) {
      seen += 1;
      if (seen === 3) break;
    }
    const t = await totals(usage, 'bot');
    expect(t).toMatchObject({ requests: 1, estimated_requests: 1 });
    expect(t.prompt_tokens).toBeGreaterThan(0);
  });

  it('counts nothing for a call that failed', async () => {
    sim.enqueue({ kind: 'status', status: 400 });
    const usage = meter();
    await caught(() => completionOf(service({ usage }), ask('refused'), { caller: caller('bot') }));
    expect((await totals(usage, 'bot')).requests).toBe(0);
  });
});

describe('token limits', () => {
  function tokenLimited(limiter: RateLimiter) {
    return service({
      usage: meter(),
      tokenLimits: { forCaller: (c) => (c.tokensPerMinute ? limiter : undefined), defaultMaxTokens: 256 },
    });
  }

  it('refuses a request reserving more than the bucket holds, with the token headers', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 1000 });
    const chat = tokenLimited(limiter);
    const error = await caught(() =>
      completionOf(chat, ask('big', { max_tokens: 2000 }), {
        caller: caller('bot', { tokensPerMinute: 1000 }),
      }),
    );
    expect(error).toMatchObject({ code: 'token_rate_limit_exceeded', status: 429, param: 'max_tokens' });
    expect((error as { headers: Record<string, string> }).headers).toMatchObject({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '1000',
    });
    expect(sim.stats.requests).toBe(0);
  });

  it('reserves the estimate, then settles to the real usage (refunding what was not used)', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 1000 });
    const chat = tokenLimited(limiter);
    const bot = { caller: caller('bot', { tokensPerMinute: 1000 }) };
    const answer = await chat.complete(ask('small', { max_tokens: 600 }), bot);
    // Reserved: the prompt estimate plus 600.
    expect(answer.facts.tokenLimit?.remaining).toBeLessThan(400);
    const used = answer.completion.usage?.total_tokens ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
    const after = await limiter.peek('bot');
    expect(after.remaining).toBeGreaterThanOrEqual(1000 - used - 1);
    expect(after.remaining).toBeLessThanOrEqual(1000 - used + 1);
    // With the refund, a second 600-token reservation fits again.
    expect((await chat.complete(ask('again', { max_tokens: 600 }), bot)).completion.choices).toHaveLength(1);
  });

  it('gives the whole reservation back when the call fails', async () => {
    sim.enqueue({ kind: 'status', status: 400 });
    const limiter = createRateLimiter({ requestsPerMinute: 1000 });
    await caught(() =>
      tokenLimited(limiter).complete(ask('fails', { max_tokens: 600 }), {
        caller: caller('bot', { tokensPerMinute: 1000 }),
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect((await limiter.peek('bot')).remaining).toBe(1000);
  });
});

describe('budgets and allowed models', () => {
  it('answers the request that crosses the daily budget, refuses the next with insufficient_quota, JSON and stream', async () => {
    const usage = meter();
    const chat = service({ usage });
    // Each answer costs far more than $0.000001 at these prices.
    const bot = { caller: caller('bot', { budgetUsd: { daily: 0.000001 } }) };
    await completionOf(chat, ask('first'), bot);
    const json = await caught(() => completionOf(chat, ask('second'), bot));
    const stream = await caught(() => collect(streamChunks(chat, ask('third'), bot)));
    for (const error of [json, stream])
      expect(error).toMatchObject({ code: 'insufficient_quota', status: 429 });
    expect(sim.stats.requests).toBe(1);
    // Another key is not affected.
    await completionOf(chat, ask('second'), { caller: caller('other', { budgetUsd: { daily: 1 } }) });
  });

  it('refuses a model the key may not use with permission_denied, before the cache or the upstream', async () => {
    const chat = service({ usage: meter() });
    const error = await caught(() =>
      completionOf(chat, ask('hi', { model: MODEL }), { caller: caller('bot', { models: ['other/model'] }) }),
    );
    expect(error).toMatchObject({ code: 'permission_denied', status: 403, param: 'model' });
    expect(sim.stats.requests).toBe(0);
    await completionOf(chat, ask('hi', { model: MODEL }), { caller: caller('bot', { models: [MODEL] }) });
  });
});
