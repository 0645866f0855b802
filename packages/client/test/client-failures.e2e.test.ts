// End to end: refusals (rate limit, open breaker) and an unreachable gateway, as the client reports them.
import { createServer } from 'node:net';
import { caught, collect } from '@llm-gateway/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, GatewayClientError } from '../src/index.js';
import { prompt, type Stack, startStack } from './support.js';

describe('a rate-limited gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_REQUESTS_PER_MINUTE: '2', CACHE_ENABLED: 'false' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses the third call, complete or stream, with rate_limit_exceeded and a retryAfter', async () => {
    const client = createGatewayClient({ url: stack.gateway.url });
    await client.chat.complete(prompt('one'));
    await collect(client.chat.stream(prompt('two')));
    const refused = await caught(() => client.chat.complete(prompt('three')));
    expect(refused).toBeInstanceOf(GatewayClientError);
    expect(refused).toMatchObject({ code: 'rate_limit_exceeded', status: 429, type: 'requests' });
    const retryAfter = (refused as GatewayClientError).retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);

    const refusedStream = await caught(() => collect(client.chat.stream(prompt('four'))));
    expect(refusedStream).toMatchObject({ code: 'rate_limit_exceeded', status: 429 });
    expect(stack.sim.stats.chatRequests).toBe(2);
  });
});

describe('a gateway whose circuit breaker opened', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
      CIRCUIT_BREAKER_TIMEOUT: '30',
      RETRY_MAX_ATTEMPTS: '1',
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails fast with circuit_open and the time until the breaker tries again', async () => {
    const client = createGatewayClient({ url: stack.gateway.url });
    stack.sim.setFaultAlways({ kind: 'status', status: 500 });
    for (const text of ['a', 'b']) {
      expect(await caught(() => client.chat.complete(prompt(text)))).toMatchObject({
        code: 'upstream_error',
      });
    }
    const open = await caught(() => client.chat.complete(prompt('c')));
    expect(open).toMatchObject({ code: 'circuit_open', status: 503, type: 'service_unavailable' });
    expect((open as GatewayClientError).retryAfter).toBeGreaterThanOrEqual(29);
    const openStream = await caught(() => collect(client.chat.stream(prompt('d'))));
    expect(openStream).toMatchObject({ code: 'circuit_open', status: 503 });
    expect(stack.sim.stats.chatRequests).toBe(2);
  });
});

/** A port with nothing listening: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('an unreachable gateway', () => {
  it('fails calls and streams with gateway_unreachable at once', async () => {
    const client = createGatewayClient({ url: `http://127.0.0.1:${await closedPort()}` });
    expect(await caught(() => client.chat.complete(prompt('x')))).toMatchObject({
      code: 'gateway_unreachable',
      status: null,
    });
    expect(await caught(() => collect(client.chat.stream(prompt('x'))))).toMatchObject({
      code: 'gateway_unreachable',
    });
    expect(await caught(() => client.health())).toMatchObject({ code: 'gateway_unreachable' });
  });

  describe('when only the stream connection cannot get through', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('gives up after connectTimeoutMs instead of reconnecting forever', async () => {
      let streamAttempts = 0;
      const client = createGatewayClient({
        url: stack.gateway.url,
        connectTimeoutMs: 1500,
        // A network that lets POSTs through but drops the event stream (a proxy that blocks SSE, say).
        // The client's ky layer calls it with a Request.
        fetch: async (input, init) => {
          if ((input instanceof Request ? input.url : String(input)).includes('/trpc/chat.stream')) {
            streamAttempts += 1;
            throw new TypeError('fetch failed');
          }
          return fetch(input, init);
        },
      });
      const started = performance.now();
      const error = await caught(() => collect(client.chat.stream(prompt('never connects'))));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'gateway_unreachable', status: null });
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(5000);
      expect(streamAttempts).toBeGreaterThanOrEqual(1);
      expect(stack.sim.stats.chatRequests).toBe(0);
    });

    it('reports stream_interrupted when the gateway goes away mid-stream and reconnecting fails', async () => {
      stack.sim.configure({ chunks: 50, chunkDelayMs: 100 });
      const client = createGatewayClient({ url: stack.gateway.url, resumeTimeoutMs: 1000 });
      let received = 0;
      let killedAt = 0;
      const error = await caught(async () => {
        for await (const chunk of client.chat.stream(prompt('gateway dies'))) {
          if (chunk.choices[0]?.delta?.content) received += 1;
          if (received === 2) {
            killedAt = performance.now();
            stack.gateway.process.kill('SIGKILL');
          }
        }
      });
      expect(error).toMatchObject({ code: 'stream_interrupted', status: null });
      // It kept reconnecting (from its last event) for resumeTimeoutMs, then gave up.
      expect(performance.now() - killedAt).toBeGreaterThanOrEqual(900);
      expect(performance.now() - killedAt).toBeLessThan(4000);
    });
  });
});

describe('a gateway with API keys', () => {
  const KEY = 'gw-client-e2e-key-5b8e2c71';
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ GATEWAY_API_KEYS: KEY });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves calls and streams with the right key', async () => {
    const client = createGatewayClient({ url: stack.gateway.url, apiKey: KEY });
    expect((await client.chat.complete(prompt('with key'))).choices[0]?.message.content).toContain(
      'with key',
    );
    expect((await collect(client.chat.streamText(prompt('stream with key')))).join('')).toContain(
      'stream with key',
    );
  });

  it('refuses a missing or wrong key with invalid_api_key (401)', async () => {
    stack.sim.reset();
    for (const client of [
      createGatewayClient({ url: stack.gateway.url }),
      createGatewayClient({ url: stack.gateway.url, apiKey: 'wrong' }),
    ]) {
      expect(await caught(() => client.chat.complete(prompt('x')))).toMatchObject({
        code: 'invalid_api_key',
        status: 401,
      });
      expect(await caught(() => collect(client.chat.stream(prompt('x'))))).toMatchObject({
        code: 'invalid_api_key',
        status: 401,
      });
    }
    expect(stack.sim.stats.chatRequests).toBe(0);
  });
});

describe('a gateway shutting down', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ SHUTDOWN_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends a stream still open at its deadline with shutting_down (503), and the upstream call is closed', async () => {
    stack.sim.configure({ chunks: 50, chunkDelayMs: 100 });
    const client = createGatewayClient({ url: stack.gateway.url });
    let received = 0;
    const error = await caught(async () => {
      for await (const chunk of client.chat.stream(prompt('until shutdown'))) {
        if (chunk.choices[0]?.delta?.content) received += 1;
        if (received === 1) stack.gateway.process.kill('SIGTERM');
      }
    });
    expect(error).toMatchObject({ code: 'shutting_down', status: 503, retryAfter: 1 });
    expect(received).toBeGreaterThanOrEqual(1);
    expect(received).toBeLessThan(50);
    await stack.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 2000);
  });
});
