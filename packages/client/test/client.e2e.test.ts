// End to end: the public client against the built gateway (child process) and the upstream simulator.

import { caught, collect } from '@llm-gateway/test-support';
import { defaultSimContent } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, GatewayClientError } from '../src/index.js';
import { prompt, type Stack, startStack } from './support.js';

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

describe('chat.complete', () => {
  it('returns the completion, and the cached copy the second time without calling the upstream', async () => {
    const first = await client.chat.complete(prompt('complete me'));
    expect(first.choices[0]?.message.content).toBe(defaultSimContent('complete me'));
    expect(first.usage?.from_cache).toBe(false);
    expect(first.object).toBe('chat.completion');

    const second = await client.chat.complete(prompt('complete me'));
    expect(second.usage?.from_cache).toBe(true);
    expect(second.choices[0]?.message.content).toBe(defaultSimContent('complete me'));
    expect(stack.sim.stats.chatRequests).toBe(1);
  });

  it("usage() reports the caller's tokens, the same as the answers' usage, and refuses a bad day with a typed error", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const before = await client.usage({ from: day, to: day });
    const answer = await client.chat.complete(prompt('count my tokens'), {});
    const after = await client.usage();
    expect(after).toMatchObject({ object: 'usage', key: 'anonymous', from: day, to: day });
    expect(after.totals.requests - before.totals.requests).toBe(1);
    expect(after.totals.total_tokens - before.totals.total_tokens).toBe(answer.usage?.total_tokens);
    const error = await caught(() => client.usage({ from: 'yesterday' }));
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'from' });
  });

  it('rejects invalid input with a typed error naming the field', async () => {
    const error = await caught(() => client.chat.complete({ messages: [] }));
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      param: 'messages',
      retryAfter: null,
    });
    const badRole = await caught(() =>
      client.chat.complete({ messages: [{ role: 'robot', content: 'x' }] } as never),
    );
    expect(badRole).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[0].role' });
    expect(stack.sim.stats.chatRequests).toBe(0);
  });

  it('passes the upstream failure through as a typed error after the retries', async () => {
    stack.sim.setFaultAlways({ kind: 'status', status: 500 });
    const error = await caught(() => client.chat.complete(prompt('failing upstream')));
    expect(error).toMatchObject({ code: 'upstream_error', status: 502, type: 'upstream_error' });
    expect(stack.sim.stats.chatRequests).toBe(3);
  });
});

describe('chat.stream', () => {
  it('yields the chunks in order; assembled, they are the text the simulator sent', async () => {
    stack.sim.configure({ chunks: 7 });
    const chunks = await collect(client.chat.stream(prompt('stream me')));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(defaultSimContent('stream me'));
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBe(7);
    expect(stack.sim.stats.streamRequests).toBe(1);
  });

  it('streamText yields only the text deltas', async () => {
    const pieces = await collect(client.chat.streamText(prompt('only text')));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((piece) => piece.length > 0)).toBe(true);
    expect(pieces.join('')).toBe(defaultSimContent('only text'));
  });

  it('streams a 200 KB prompt, which no URL could carry', async () => {
    const big = 'x'.repeat(200 * 1024);
    const text = (await collect(client.chat.streamText(prompt(big)))).join('');
    expect(text).toBe(defaultSimContent(big));
    const received = stack.sim.requests.at(-1)?.body as { messages: Array<{ content: string }> };
    expect(received.messages[0]?.content.length).toBe(200 * 1024);
  });

  it('a prompt over the body limit is a typed body_too_large (413), complete or stream', async () => {
    const huge = prompt('x'.repeat(1024 * 1024));
    expect(await caught(() => client.chat.complete(huge))).toMatchObject({
      code: 'body_too_large',
      status: 413,
    });
    expect(await caught(() => collect(client.chat.stream(huge)))).toMatchObject({
      code: 'body_too_large',
      status: 413,
    });
    expect(stack.sim.stats.chatRequests).toBe(0);
  });

  it('breaking out of the loop closes the upstream call within a second', async () => {
    stack.sim.configure({ chunks: 50, chunkDelayMs: 100 });
    let received = 0;
    for await (const chunk of client.chat.stream(prompt('cancel by break'))) {
      if (chunk.choices[0]?.delta?.content) received += 1;
      if (received === 2) break;
    }
    await stack.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
    expect(stack.sim.stats.closedEarly).toBe(1);
  });

  it('aborting the signal rejects with the abort reason and closes the upstream call within a second', async () => {
    stack.sim.configure({ chunks: 50, chunkDelayMs: 100 });
    const controller = new AbortController();
    const reason = new Error('user left');
    const error = await caught(async () => {
      for await (const chunk of client.chat.stream(prompt('cancel by signal'), {
        signal: controller.signal,
      })) {
        if (chunk.choices[0]?.delta?.content) controller.abort(reason);
      }
    });
    expect(error).toBe(reason);
    await stack.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('a failure after the first chunk arrives as a typed error, after the chunks before it', async () => {
    stack.sim.enqueue({ kind: 'error-event', afterChunks: 2 });
    const seen: string[] = [];
    const error = await caught(async () => {
      for await (const text of client.chat.streamText(prompt('breaks midway'))) seen.push(text);
    });
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(seen.length).toBe(2);
  });

  it('a cached stream is replayed with from_cache on the usage chunk', async () => {
    const request = { ...prompt('cache my stream'), stream_options: { include_usage: true } };
    await collect(client.chat.stream(request));
    const replay = await collect(client.chat.stream(request));
    expect(replay.at(-1)?.usage?.from_cache).toBe(true);
    expect(replay.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(
      defaultSimContent('cache my stream'),
    );
    expect(stack.sim.stats.streamRequests).toBe(1);
  });
});

describe('headers', () => {
  it("a client with 'cache-control: no-store' neither reads nor fills the cache", async () => {
    const uncached = createGatewayClient({
      url: stack.gateway.url,
      headers: { 'cache-control': 'no-store' },
    });
    const first = await uncached.chat.complete(prompt('never cached'));
    const second = await uncached.chat.complete(prompt('never cached'));
    const streamed = await collect(uncached.chat.streamText(prompt('never cached')));
    expect([first.usage?.from_cache, second.usage?.from_cache]).toEqual([false, false]);
    expect(streamed.join('')).toBe(defaultSimContent('never cached'));
    expect(stack.sim.stats.chatRequests).toBe(3);
    expect((await client.chat.complete(prompt('never cached'))).usage?.from_cache).toBe(false);
  });
});

describe('queries', () => {
  it('health, models and metrics answer with their typed shapes', async () => {
    expect(await client.health()).toMatchObject({ status: 'healthy', service: 'llm-gateway' });
    const models = await client.models();
    expect(models.object).toBe('list');
    expect(models.data.length).toBeGreaterThan(0);
    const metrics = await client.metrics();
    expect(metrics.circuit_breaker.state).toBe('closed');
    expect(metrics.cache_enabled).toBe(true);
  });
});
