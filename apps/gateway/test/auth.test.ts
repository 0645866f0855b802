// Inbound API keys over REST and tRPC: 401s in each protocol's shape, open health, and per-key limits.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, UPSTREAM_KEY } from './support/start-gateway.js';

const KEY_A = 'gw-key-alpha-7f3a91c2e4b6';
const KEY_B = 'gw-key-bravo-0d5e8b1a9c47';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: {
      GATEWAY_API_KEYS: `${KEY_A},${KEY_B}`,
      RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: '2',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '100',
      METRICS_REQUIRE_API_KEY: 'true',
      CACHE_ENABLED: 'false',
    },
  });
});
afterAll(async () => {
  await gw?.close();
});

function sdk(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
}

const body = { messages: [{ role: 'user', content: 'hi' }] };

describe('REST with GATEWAY_API_KEYS', () => {
  it.each([
    ['no Authorization header', {}, 'Missing API key'],
    ['a wrong key', { authorization: 'Bearer gw-key-alpha-7f3a91c2e4b7' }, 'Incorrect API key provided.'],
    ['the key without Bearer', { authorization: KEY_A }, 'Missing API key'],
  ])('answers 401 invalid_api_key to %s, and calls no upstream', async (_, headers, message) => {
    const before = gw.sim.stats.chatRequests;
    const response = await gw.post(body, headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const error = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toEqual({
      error: {
        message: expect.stringContaining(message),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(gw.sim.stats.chatRequests).toBe(before);
  });

  it('lets the official SDK in with a right key, and never forwards that key upstream', async () => {
    const completion = await sdk(KEY_B).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'b' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Simulated answer to: b');
    const forwarded = gw.sim.requests.at(-1)?.headers.authorization;
    expect(forwarded).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('maps a wrong key to the SDK’s AuthenticationError', async () => {
    await expect(sdk('nope').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('keeps /health and /health/ready open, and protects the metrics when asked to', async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect((await fetch(`${gw.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${gw.url}/metrics/prometheus`)).status).toBe(401);
    const authorized = { headers: { authorization: `Bearer ${KEY_A}` } };
    expect((await fetch(`${gw.url}/metrics`, authorized)).status).toBe(200);
    expect((await fetch(`${gw.url}/metrics/prometheus`, authorized)).status).toBe(200);
  });
});

describe('tRPC with GATEWAY_API_KEYS', () => {
  const call = (headers: Record<string, string>) =>
    fetch(`${gw.url}/trpc/chat.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ json: body }),
    });

  it('answers 401 UNAUTHORIZED with the gateway code to a missing or wrong key', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const response = await call(headers);
      expect(response.status).toBe(401);
      const envelope = (await response.json()) as {
        error: { json: { data: { code: string; gateway: { code: string } } } };
      };
      expect(envelope.error.json.data.code).toBe('UNAUTHORIZED');
      expect(envelope.error.json.data.gateway.code).toBe('invalid_api_key');
    }
    expect((await fetch(`${gw.url}/trpc/health`)).status).toBe(401);
  });

  it('answers 200 with a right key', async () => {
    const response = await call({ authorization: `Bearer ${KEY_B}` });
    expect(response.status).toBe(200);
  });
});

describe('per-key rate limit', () => {
  it('one key over its limit is refused while the other key goes on', async () => {
    // Fresh keys' buckets: this gateway's other tests spent KEY_B's tokens, so use a separate gateway.
    const isolated = await startGateway({
      env: {
        GATEWAY_API_KEYS: `${KEY_A},${KEY_B}`,
        RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: '2',
        CACHE_ENABLED: 'false',
      },
    });
    try {
      const asA = { authorization: `Bearer ${KEY_A}` };
      expect((await isolated.post(body, asA)).status).toBe(200);
      expect((await isolated.post(body, asA)).status).toBe(200);
      const refused = await isolated.post(body, asA);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('2');
      const error = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.error.code).toBe('rate_limit_exceeded');
      expect(error.error.message).toMatch(/^Rate limit for this API key reached/);

      const asB = await isolated.post(body, { authorization: `Bearer ${KEY_B}` });
      expect(asB.status).toBe(200);
      expect(asB.headers.get('x-ratelimit-remaining-requests')).toBe('1');
      expect(isolated.sim.stats.chatRequests).toBe(3);
    } finally {
      await isolated.close();
    }
  });
});
