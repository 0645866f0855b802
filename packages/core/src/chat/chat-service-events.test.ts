// The chat service's metric events against the upstream simulator: first token, failures, streams in flight.
import type { ChatCompletionRequest } from '@llm-gateway/contracts';
import { drain } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completionOf, streamChunks } from '../../test/chat-calls.js';
import { createMemoryCacheStore } from '../cache/memory-cache-store.js';
import { createResponseCache } from '../cache/response-cache.js';
import { createRetryPolicy } from '../resilience/retry-policy.js';
import { singleUpstreamRoutes } from '../routing/single-upstream.js';
import { createUpstreamClient } from '../upstream/upstream-client.js';
import type { ChatEvent } from './chat-events.js';
import { createChatService } from './chat-service.js';
import { hasAnswerContent } from './chunk-content.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());
afterEach(() => sim.reset());

/** An event as the assertions read it: its fields, without the `type` it was filed under. */
type Fields<T extends ChatEvent['type']> = Omit<Extract<ChatEvent, { type: T }>, 'type'>;

function serviceWithEvents(options: { cache?: boolean } = {}) {
  const firstChunks: Fields<'first-chunk'>[] = [];
  const failures: Fields<'upstream-failure'>[] = [];
  let inFlight = 0;
  let started = 0;
  const chat = createChatService({
    routes: singleUpstreamRoutes({
      client: createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000 }),
      model: 'sim/model',
    }),
    streamingEnabled: true,
    retry: createRetryPolicy({
      maxAttempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 2,
      maxRetryAfterMs: 0,
      deadlineMs: 5000,
    }),
    cache: options.cache
      ? createResponseCache({
          store: createMemoryCacheStore({ maxEntries: 10, maxBytes: 1_000_000 }),
          ttlSeconds: 60,
          keyPrefix: 't:',
        })
      : undefined,
    onEvent: (event) => {
      switch (event.type) {
        case 'first-chunk': {
          const { type: _type, ...fields } = event;
          firstChunks.push(fields);
          break;
        }
        case 'upstream-failure': {
          const { type: _type, ...fields } = event;
          failures.push(fields);
          break;
        }
        case 'stream-start':
          inFlight += 1;
          started += 1;
          break;
        case 'stream-end':
          inFlight -= 1;
          break;
        default:
          break;
      }
    },
  });
  return { chat, firstChunks, failures, inFlight: () => inFlight, started: () => started };
}

const ask = (content: string): ChatCompletionRequest => ({ messages: [{ role: 'user', content }] });

describe('first-chunk event', () => {
  it('fires once per fresh stream, on the first chunk with content (not the role chunk)', async () => {
    const s = serviceWithEvents();
    sim.configure({ chunks: 3, chunkDelayMs: 30 });
    await drain(streamChunks(s.chat, ask('first token'), { requestId: 'r1' }));
    expect(s.firstChunks).toHaveLength(1);
    expect(s.firstChunks[0]).toMatchObject({ requestId: 'r1', model: 'sim/model' });
    // the role chunk arrives with the headers; the first content chunk one chunk delay later
    expect(s.firstChunks[0]?.latencyMs).toBeGreaterThanOrEqual(25);
  });

  it('does not fire for a stream replayed from the cache', async () => {
    const s = serviceWithEvents({ cache: true });
    await drain(streamChunks(s.chat, ask('cached stream')));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await drain(streamChunks(s.chat, ask('cached stream')));
    expect(sim.stats.chatRequests).toBe(1);
    expect(s.firstChunks).toHaveLength(1);
  });

  it('counts text, tool calls and refusals as content, and not role-only or usage chunks', () => {
    const chunk = (delta: Record<string, unknown>, choices = true) => ({
      id: 'c',
      object: 'chat.completion.chunk' as const,
      created: 0,
      model: 'm',
      choices: choices ? [{ index: 0, delta, finish_reason: null }] : [],
    });
    expect(hasAnswerContent(chunk({ role: 'assistant', content: '' }))).toBe(false);
    expect(hasAnswerContent(chunk({}, false))).toBe(false);
    expect(hasAnswerContent(chunk({ content: 'Hi' }))).toBe(true);
    expect(hasAnswerContent(chunk({ tool_calls: [{ index: 0 }] }))).toBe(true);
    expect(hasAnswerContent(chunk({ refusal: 'no' }))).toBe(true);
  });
});

describe('upstream-failure event', () => {
  it('fires once after the retries run out, with the code the caller gets', async () => {
    const s = serviceWithEvents();
    sim.enqueueRepeat({ kind: 'status', status: 500 }, 3);
    await expect(completionOf(s.chat, ask('fails'), { requestId: 'r2' })).rejects.toMatchObject({
      code: 'upstream_error',
    });
    expect(sim.stats.chatRequests).toBe(3);
    expect(s.failures).toEqual([
      {
        requestId: 'r2',
        model: 'sim/model',
        // The route's one upstream, named `default` when it comes from the environment.
        upstream: 'default',
        stream: false,
        code: 'upstream_error',
        latencyMs: expect.any(Number),
      },
    ]);
  });

  it('does not fire when a retry succeeds', async () => {
    const s = serviceWithEvents();
    sim.enqueue({ kind: 'status', status: 500 });
    await completionOf(s.chat, ask('recovers'));
    expect(s.failures).toEqual([]);
  });

  it('fires for a stream cut after its first chunk', async () => {
    const s = serviceWithEvents();
    sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 1 });
    await expect(drain(streamChunks(s.chat, ask('cut')))).rejects.toMatchObject({ code: expect.any(String) });
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]).toMatchObject({ stream: true });
  });

  it('does not fire when the caller cancels', async () => {
    const s = serviceWithEvents();
    sim.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const call = completionOf(s.chat, ask('cancelled'), { signal: controller.signal });
    await sim.waitFor((stats) => stats.active === 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(s.failures).toEqual([]);
  });
});

describe('stream-start / stream-end events', () => {
  it('balance however the stream ends: done, failed before the first chunk, or abandoned', async () => {
    const s = serviceWithEvents();
    await drain(streamChunks(s.chat, ask('done')));
    expect(s.inFlight()).toBe(0);

    sim.enqueueRepeat({ kind: 'status', status: 500 }, 3);
    await expect(drain(streamChunks(s.chat, ask('refused')))).rejects.toMatchObject({
      code: 'upstream_error',
    });
    expect(s.inFlight()).toBe(0);

    sim.configure({ chunks: 5, chunkDelayMs: 20 });
    const abandoned = streamChunks(s.chat, ask('abandoned'));
    await abandoned.next();
    expect(s.inFlight()).toBe(1);
    await abandoned.return(undefined);
    expect(s.inFlight()).toBe(0);
    expect(s.started()).toBe(3);
  });

  it('counts nothing for a stream never started', () => {
    const s = serviceWithEvents();
    streamChunks(s.chat, ask('never read'));
    expect(s.started()).toBe(0);
  });
});
