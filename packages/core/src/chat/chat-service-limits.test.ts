// The chat service's bounds against the upstream simulator: message count, upstream slots, stalled streams.
import { type ChatCompletionRequest, type GatewayError, isGatewayError } from '@llm-gateway/contracts';
import { caught, drain } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completionOf, streamChunks } from '../../test/chat-calls.js';
import { createMemoryCacheStore } from '../cache/memory-cache-store.js';
import { createResponseCache } from '../cache/response-cache.js';
import { type ConcurrencyLimiter, createConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import { createRateLimiter } from '../rate-limit/rate-limiter.js';
import { type CircuitBreaker, createCircuitBreaker } from '../resilience/circuit-breaker.js';
import { createRetryPolicy } from '../resilience/retry-policy.js';
import { singleUpstreamRoutes } from '../routing/single-upstream.js';
import { createUpstreamClient } from '../upstream/upstream-client.js';
import { type ChatServiceOptions, createChatService } from './chat-service.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());
afterEach(() => sim.reset());

/** The service on one upstream; its breaker and slot limiter belong to that upstream. */
function service(
  overrides: Partial<ChatServiceOptions> & {
    breaker?: CircuitBreaker;
    concurrency?: ConcurrencyLimiter;
  } = {},
) {
  const { breaker, concurrency, ...rest } = overrides;
  return createChatService({
    routes: singleUpstreamRoutes({
      client: createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000, streamIdleTimeoutMs: 200 }),
      model: 'sim/model',
      breaker,
      concurrency,
    }),
    streamingEnabled: true,
    ...rest,
  });
}

const ask = (content: string): ChatCompletionRequest => ({ messages: [{ role: 'user', content }] });

/** What `run` failed with, which must be a GatewayError. */
async function failure(run: () => Promise<unknown>): Promise<GatewayError> {
  const error = await caught(run);
  if (isGatewayError(error)) return error;
  throw error;
}

describe('maxMessages', () => {
  const tooMany: ChatCompletionRequest = {
    messages: Array.from({ length: 3000 }, (_, i) => ({ role: 'user' as const, content: `m${i}` })),
  };

  it('refuses more messages with invalid_request on messages, before any cost (REST and tRPC share it)', async () => {
    const rateLimiter = createRateLimiter({ requestsPerMinute: 10 });
    const chat = service({ maxMessages: 2048, rateLimiter });
    for (const run of [
      () => completionOf(chat, tooMany),
      () => drain(streamChunks(chat, { ...tooMany, stream: true })),
    ]) {
      const error = await failure(run);
      expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages' });
      expect(error.message).toBe('Too many messages: 3000 (the gateway accepts at most 2048).');
    }
    expect(sim.stats.chatRequests).toBe(0);
    expect((await rateLimiter.snapshot()).tokens_available).toBe(10);
  });

  it('accepts exactly maxMessages', async () => {
    const chat = service({ maxMessages: 3 });
    const three = { messages: ['a', 'b', 'c'].map((content) => ({ role: 'user' as const, content })) };
    await expect(completionOf(chat, three)).resolves.toMatchObject({ object: 'chat.completion' });
  });
});

describe('the concurrency limit', () => {
  it('a stream holds its slot until it ends; an extra call is refused without reaching the upstream', async () => {
    sim.configure({ chunks: 4, chunkDelayMs: 50 });
    const concurrency = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 1000 });
    const chat = service({ concurrency });
    const held = streamChunks(chat, ask('held'));
    await held.next();
    expect(concurrency.snapshot()).toMatchObject({ in_flight: 1 });
    const refused = await failure(() => completionOf(chat, ask('extra')));
    expect(refused).toMatchObject({ code: 'overloaded', status: 503, retryAfter: 1 });
    expect(sim.stats.chatRequests).toBe(1);
    await drain(held);
    expect(concurrency.snapshot()).toMatchObject({ in_flight: 0, rejected: 1 });
  });

  it('a queued call runs as soon as the slot frees', async () => {
    sim.configure({ chunks: 3, chunkDelayMs: 50 });
    const concurrency = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 2000 });
    const chat = service({ concurrency });
    const held = streamChunks(chat, ask('first'));
    await held.next();
    const waiting = completionOf(chat, ask('second'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(concurrency.snapshot()).toMatchObject({ in_flight: 1, queued: 1 });
    expect(sim.stats.chatRequests).toBe(1);
    await drain(held);
    await expect(waiting).resolves.toMatchObject({ object: 'chat.completion' });
    expect(sim.stats.chatRequests).toBe(2);
    expect(concurrency.snapshot()).toMatchObject({ in_flight: 0, queued: 0, rejected: 0 });
  });

  it('frees the slot however a stream ends: done, upstream failure, or the consumer stopping', async () => {
    const concurrency = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 1000 });
    const chat = service({ concurrency });
    await drain(streamChunks(chat, ask('done')));
    expect(concurrency.snapshot().in_flight).toBe(0);

    sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 1 });
    expect((await failure(() => drain(streamChunks(chat, ask('reset'))))).code).toBe('upstream_unavailable');
    expect(concurrency.snapshot().in_flight).toBe(0);

    sim.configure({ chunks: 10, chunkDelayMs: 20 });
    for await (const _ of streamChunks(chat, ask('left early'))) break;
    expect(concurrency.snapshot().in_flight).toBe(0);

    const controller = new AbortController();
    const aborted = streamChunks(chat, ask('aborted'), { signal: controller.signal });
    await aborted.next();
    controller.abort();
    expect((await failure(() => drain(aborted))).code).toBe('client_closed_request');
    expect(concurrency.snapshot().in_flight).toBe(0);

    // A consumer that leaves without ever resuming the stream (no next(), no return()) frees it too.
    const gone = new AbortController();
    const abandoned = streamChunks(chat, ask('abandoned'), { signal: gone.signal });
    await abandoned.next();
    gone.abort();
    expect(concurrency.snapshot().in_flight).toBe(0);
    await sim.waitFor((s) => s.active === 0);
  });

  it('cache hits and coalesced followers take no slot', async () => {
    sim.configure({ chunks: 4, chunkDelayMs: 40 });
    const concurrency = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 1000 });
    const cache = createResponseCache({
      store: createMemoryCacheStore({ maxEntries: 10, maxBytes: 1_000_000 }),
      ttlSeconds: 60,
      keyPrefix: 'limits:',
    });
    const chat = service({ concurrency, cache });
    const leader = streamChunks(chat, ask('shared'));
    await leader.next();
    // An identical request joins the call in flight while the only slot is taken.
    await drain(streamChunks(chat, ask('shared')));
    await drain(leader);
    await new Promise((resolve) => setTimeout(resolve, 10));

    const other = streamChunks(chat, ask('other'));
    await other.next();
    await expect(completionOf(chat, ask('shared'))).resolves.toMatchObject({ usage: { from_cache: true } });
    await drain(other);
    expect(sim.stats.chatRequests).toBe(2);
    expect(concurrency.snapshot()).toMatchObject({ in_flight: 0, rejected: 0 });
  });
});

describe('a stream that stalls mid-way', () => {
  it('fails with upstream_timeout, is not retried, and counts against the circuit breaker', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2, openMs: 60_000 });
    const chat = service({
      breaker,
      retry: createRetryPolicy({
        maxAttempts: 3,
        baseDelayMs: 1,
        maxDelayMs: 2,
        maxRetryAfterMs: 0,
        deadlineMs: 5000,
      }),
    });
    sim.enqueueRepeat({ kind: 'hang-mid-stream', afterChunks: 1 }, 2);
    for (const content of ['stall one', 'stall two']) {
      const chunks: unknown[] = [];
      const error = await failure(async () => {
        for await (const chunk of streamChunks(chat, ask(content))) chunks.push(chunk);
      });
      expect(error.code).toBe('upstream_timeout');
      expect(chunks).toHaveLength(2);
    }
    expect(sim.stats.chatRequests).toBe(2);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failure_count: 2 });
    await sim.waitFor((s) => s.closedEarly === 2 && s.active === 0);
  });

  it('a clean stream still resets the breaker’s count when it ends', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3, openMs: 60_000 });
    const chat = service({ breaker });
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 1 });
    expect((await failure(() => drain(streamChunks(chat, ask('stalls'))))).code).toBe('upstream_timeout');
    expect(breaker.snapshot().failure_count).toBe(1);
    await drain(streamChunks(chat, ask('fine')));
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 0 });
  });
});
