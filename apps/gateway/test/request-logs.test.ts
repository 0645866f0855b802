// Every log line written while serving a request carries its x-request-id, engine events included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: {
      RETRY_BASE_DELAY_MS: '1',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '2',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '3',
      CIRCUIT_BREAKER_TIMEOUT: '0.05',
      LOG_LEVEL: 'debug',
    },
  });
});
afterAll(async () => {
  await gw?.close();
});

describe('request ids in logs', () => {
  it('tags retries, breaker transitions and rate-limit refusals with the request that caused them', async () => {
    gw.sim.enqueueRepeat({ kind: 'status', status: 500 }, 3);
    const failed = await gw.post(
      { messages: [{ role: 'user', content: 'a' }] },
      { 'x-request-id': 'req-retry-1' },
    );
    expect(failed.status).toBe(502);
    // The breaker opened on the third failure; once its 50 ms are over, the next request is its probe.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await gw.post({ messages: [{ role: 'user', content: 'b' }] }, { 'x-request-id': 'req-ok-2' });
    const limited = await gw.post(
      { messages: [{ role: 'user', content: 'c' }] },
      { 'x-request-id': 'req-limited-3' },
    );
    expect(limited.status).toBe(429);

    const entries = gw.logs.entries();
    const byMessage = (msg: string) =>
      entries.filter((entry) => entry.msg === msg).map((entry) => entry.reqId);
    expect(byMessage('Retrying upstream call')).toEqual(['req-retry-1', 'req-retry-1']);
    expect(byMessage('Circuit breaker opened')).toEqual(['req-retry-1']);
    expect(byMessage('Circuit breaker closed')).toEqual(['req-ok-2']);
    expect(byMessage('Rate limit reached')).toEqual(['req-limited-3']);

    // Apart from start-up, every line belongs to one of the three requests.
    const untagged = entries.filter(
      (entry) => entry.reqId === undefined && !String(entry.msg).startsWith('Server listening'),
    );
    expect(untagged).toEqual([]);
    expect(new Set(entries.map((entry) => entry.reqId))).toEqual(
      new Set([undefined, 'req-retry-1', 'req-ok-2', 'req-limited-3']),
    );
  });
});
