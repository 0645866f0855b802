// The per-caller bucket: checked before the shared one, so one caller's burst leaves the others alone.
import { isGatewayError } from '@llm-gateway/contracts';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../rate-limit/rate-limiter.js';
import { singleUpstreamRoutes } from '../routing/single-upstream.js';
import { createUpstreamClient } from '../upstream/upstream-client.js';
import { createChatService } from './chat-service.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());

describe('clientRateLimiter', () => {
  it('refuses a caller over its own limit without spending the shared bucket; others go on', async () => {
    const shared = createRateLimiter({ requestsPerMinute: 10 });
    const chat = createChatService({
      routes: singleUpstreamRoutes({
        client: createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000 }),
        model: 'sim/model',
      }),
      streamingEnabled: true,
      rateLimiter: shared,
      clientRateLimiter: createRateLimiter({ requestsPerMinute: 2 }),
    });
    const ask = (clientId: string) =>
      chat.complete({ messages: [{ role: 'user', content: 'hi' }] }, { clientId });

    const first = await ask('key_a');
    expect(first.facts.rateLimit).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    await ask('key_a');
    const refused = await ask('key_a').catch((error: unknown) => error);
    expect(isGatewayError(refused) && refused.code).toBe('rate_limit_exceeded');
    expect(isGatewayError(refused) && refused.message).toMatch(
      /^Rate limit for this API key reached: 2 requests/,
    );
    // A refused call has no answer: the refusal carries the caller's bucket as its headers.
    expect(isGatewayError(refused) && refused.headers).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
    });

    await expect(ask('key_b')).resolves.toMatchObject({ completion: { object: 'chat.completion' } });
    // Three calls reached the upstream, and the refused one took nothing from the shared bucket.
    expect(sim.stats.chatRequests).toBe(3);
    expect((await shared.peek()).remaining).toBe(7);
  });
});
