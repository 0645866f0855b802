// Issue 17: the client's ky layer on real sockets: query retries, no re-send of a sent call, refusals retried, timeouts.
import { caught, collect } from '@llm-gateway/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, GatewayClientError } from '../src/index.js';
import { type Closable, closedPort, startRefusingProxy, startTcpRelay } from './proxies.js';
import { prompt, type Stack, startStack } from './support.js';

let stack: Stack;
let gatewayPort: number;
const opened: Closable[] = [];

beforeAll(async () => {
  stack = await startStack({ CACHE_ENABLED: 'false' });
  gatewayPort = Number(new URL(stack.gateway.url).port);
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  stack.sim.reset();
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

/** Counts the client's fetch attempts (ky calls it once per attempt). */
function countingFetch(onFailure?: (attempt: number) => Promise<void>) {
  const counter = {
    attempts: 0,
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      counter.attempts += 1;
      const attempt = counter.attempts;
      try {
        return await fetch(input, init);
      } catch (error) {
        await onFailure?.(attempt);
        throw error;
      }
    },
  };
  return counter;
}

describe('queries', () => {
  it('health() retries two 503s with Retry-After: 0, then answers', async () => {
    const proxy = await startRefusingProxy({
      target: stack.gateway.url,
      refuse: (path, count) =>
        path === '/trpc/health' && count <= 2 ? { status: 503, retryAfter: '0' } : undefined,
    });
    opened.push(proxy);
    const health = await createGatewayClient({ url: proxy.url }).health();
    expect(health).toMatchObject({ status: 'healthy' });
    expect(proxy.seen.get('/trpc/health')).toBe(3);
  });

  it('a Retry-After longer than the bound is not waited for: the refusal comes back at once', async () => {
    const proxy = await startRefusingProxy({
      target: stack.gateway.url,
      refuse: () => ({ status: 429, retryAfter: '30' }),
    });
    opened.push(proxy);
    const started = performance.now();
    const error = await caught(() => createGatewayClient({ url: proxy.url }).models());
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error).toMatchObject({ code: 'unexpected_response', status: 429, retryAfter: 30 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(proxy.seen.get('/trpc/models.list')).toBe(1);
  });

  it('a mutation that meets a 503 is not retried', async () => {
    const proxy = await startRefusingProxy({
      target: stack.gateway.url,
      refuse: () => ({ status: 503, retryAfter: '0' }),
    });
    opened.push(proxy);
    const error = await caught(() => createGatewayClient({ url: proxy.url }).chat.complete(prompt('x')));
    expect(error).toMatchObject({ code: 'unexpected_response', status: 503, retryAfter: 0 });
    expect(proxy.seen.get('/trpc/chat.complete')).toBe(1);
    expect(stack.sim.stats.chatRequests).toBe(0);
  });
});

describe('a call whose connection is cut after the request was sent', () => {
  it('fails with connection_lost, and the upstream saw exactly one call', async () => {
    stack.sim.configure({ latencyMs: 400 });
    const relay = await startTcpRelay({
      targetPort: gatewayPort,
      // Cut once the request has passed all the way to the upstream: it was provably sent.
      onConnection: (client) => {
        stack.sim
          .waitFor((s) => s.chatRequests === 1, 5000)
          .then(
            () => client.destroy(),
            () => client.destroy(),
          );
      },
    });
    opened.push(relay);
    const error = await caught(() =>
      createGatewayClient({ url: relay.url }).chat.complete(prompt('paid once')),
    );
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error).toMatchObject({ code: 'connection_lost', status: null });
    // Long enough for a retry (its backoff is at most 250 ms) to reach the upstream.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(stack.sim.stats.chatRequests).toBe(1);
    expect(relay.connections).toBe(1);
  });
});

describe('a refused connection', () => {
  it('is retried for a mutation: the gateway starts listening after the first refusal, the call succeeds once', async () => {
    const port = await closedPort();
    const counter = countingFetch(async (attempt) => {
      if (attempt === 1) opened.push(await startTcpRelay({ targetPort: gatewayPort, port }));
    });
    const client = createGatewayClient({ url: `http://127.0.0.1:${port}`, fetch: counter.fetch });
    const answer = await client.chat.complete(prompt('after a refusal'));
    expect(answer.choices[0]?.message.content).toContain('after a refusal');
    expect(counter.attempts).toBe(2);
    expect(stack.sim.stats.chatRequests).toBe(1);
  });

  it('is retried up to retry.limit, then gateway_unreachable; a stream start too', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const counter = countingFetch();
    const client = createGatewayClient({ url, fetch: counter.fetch, retry: { limit: 1 } });
    expect(await caught(() => client.chat.complete(prompt('x')))).toMatchObject({
      code: 'gateway_unreachable',
    });
    expect(counter.attempts).toBe(2);
    counter.attempts = 0;
    expect(await caught(() => collect(client.chat.stream(prompt('x'))))).toMatchObject({
      code: 'gateway_unreachable',
    });
    expect(counter.attempts).toBe(2);
  });
});

describe('timeouts', () => {
  it('a call with no answer within timeouts.callMs fails with timeout, sent once', async () => {
    stack.sim.configure({ latencyMs: 3000 });
    const client = createGatewayClient({ url: stack.gateway.url, timeouts: { callMs: 300 } });
    const started = performance.now();
    const error = await caught(() => client.chat.complete(prompt('slow')));
    expect(error).toMatchObject({ code: 'timeout', status: null });
    expect(performance.now() - started).toBeLessThan(1500);
    await stack.sim.waitFor((s) => s.active === 0, 2000);
    expect(stack.sim.stats.chatRequests).toBe(1);
  });
});

describe('apiKey as a function', () => {
  const KEYS = ['gw-rotate-key-a-6d1f', 'gw-rotate-key-b-93c2'];
  let keyed: Stack;
  beforeAll(async () => {
    keyed = await startStack({ GATEWAY_API_KEYS: KEYS.join(',') });
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  it('is called per request, so a rotated key is used on the next call and stream', async () => {
    let current = KEYS[0];
    let calls = 0;
    const client = createGatewayClient({
      url: keyed.gateway.url,
      apiKey: async () => {
        calls += 1;
        return current ?? '';
      },
    });
    await client.chat.complete(prompt('key a'));
    expect(calls).toBe(1);
    current = 'revoked';
    expect(await caught(() => client.chat.complete(prompt('revoked')))).toMatchObject({
      code: 'invalid_api_key',
      status: 401,
    });
    current = KEYS[1];
    expect((await client.chat.complete(prompt('key b'))).choices[0]?.message.content).toContain('key b');
    // A stream: once for chat.startStream, once for the event source's connection.
    calls = 0;
    expect((await collect(client.chat.streamText(prompt('stream key b')))).join('')).toContain(
      'stream key b',
    );
    expect(calls).toBe(2);
  });

  it("a failing apiKey function's own error reaches the caller", async () => {
    const failure = new Error('vault unreachable');
    const client = createGatewayClient({
      url: keyed.gateway.url,
      apiKey: () => {
        throw failure;
      },
    });
    expect(await caught(() => client.chat.complete(prompt('x')))).toBe(failure);
    expect(await caught(() => client.health())).toBe(failure);
  });
});
