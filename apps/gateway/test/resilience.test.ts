// Retry, circuit breaker and rate limit as a client sees them through the gateway, with the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

const FAST_RETRY = { RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '20' };
const ask = (gw: TestGateway, extra: object = {}) =>
  gw.post({ messages: [{ role: 'user', content: 'resilience' }], ...extra });

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('retry', () => {
  it('500, 500, 200 → the client gets 200 and the upstream saw 3 calls', async () => {
    gw = await startGateway({ env: FAST_RETRY });
    gw.sim.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const res = await ask(gw);
    expect(res.status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(3);
  });

  it('400 → one call, and the 400 reaches the client', async () => {
    gw = await startGateway({ env: FAST_RETRY });
    gw.sim.enqueue({ kind: 'status', status: 400 });
    const res = await ask(gw);
    expect(res.status).toBe(400);
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('gives up after 3 attempts with the last error', async () => {
    gw = await startGateway({ env: { ...FAST_RETRY, CIRCUIT_BREAKER_ENABLED: 'false' } });
    gw.sim.setFaultAlways({ kind: 'status', status: 503 });
    const res = await ask(gw);
    expect(res.status).toBe(502);
    expect(gw.sim.stats.chatRequests).toBe(3);
  });

  it('429 with Retry-After: 1 → waits about a second and succeeds', async () => {
    gw = await startGateway({ env: FAST_RETRY });
    gw.sim.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = performance.now();
    const res = await ask(gw);
    const waited = performance.now() - started;
    expect(res.status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it('an upstream Retry-After above the cap is handed to the client instead of waited for', async () => {
    gw = await startGateway({ env: { ...FAST_RETRY, RETRY_AFTER_CAP_MS: '2000' } });
    gw.sim.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const res = await ask(gw);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(gw.sim.stats.chatRequests).toBe(1);
  });

  it('a stream that fails before its first chunk is retried', async () => {
    gw = await startGateway({ env: FAST_RETRY });
    gw.sim.enqueue({ kind: 'status', status: 502 }, { kind: 'reset' });
    const res = await ask(gw, { stream: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data: [DONE]');
    expect(gw.sim.stats.chatRequests).toBe(3);
  });

  it('a stream that fails after its first chunk is not retried', async () => {
    gw = await startGateway({ env: FAST_RETRY });
    gw.sim.enqueue({ kind: 'reset-mid-stream', afterChunks: 2 });
    const res = await ask(gw, { stream: true });
    const text = await res.text();
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('"error"');
    expect(gw.sim.stats.chatRequests).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('opens after 5 failed attempts, refuses without calling the upstream, then one probe closes it', async () => {
    gw = await startGateway({ env: { ...FAST_RETRY, CIRCUIT_BREAKER_TIMEOUT: '0.5' } });
    gw.sim.setFaultAlways({ kind: 'status', status: 500 });

    expect((await ask(gw)).status).toBe(502); // attempts 1-3 fail
    const opening = await ask(gw); // attempts 4-5 fail, the breaker opens, the 3rd attempt is refused
    expect(opening.status).toBe(503);
    expect(gw.sim.stats.chatRequests).toBe(5);

    const refused = await ask(gw);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { code: string; type: string } };
    expect(body.error.code).toBe('circuit_open');
    expect(gw.sim.stats.chatRequests).toBe(5);

    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as {
      circuit_breaker: Record<string, unknown>;
    };
    expect(metrics.circuit_breaker).toMatchObject({ state: 'open', failure_threshold: 5 });
    expect(typeof metrics.circuit_breaker.half_open_at).toBe('string');

    gw.sim.setFaultAlways(undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await ask(gw)).status).toBe(200);
    expect(gw.sim.stats.chatRequests).toBe(6);
    const after = (await (await fetch(`${gw.url}/metrics`)).json()) as {
      circuit_breaker: Record<string, unknown>;
    };
    expect(after.circuit_breaker).toMatchObject({ state: 'closed', failure_count: 0 });
    const transitions = gw.logs.entries().map((e) => e.msg);
    expect(transitions.filter((m) => m === 'Circuit breaker opened')).toHaveLength(1);
    expect(transitions.filter((m) => m === 'Circuit breaker closed')).toHaveLength(1);
  });

  it('still serves cache hits while open', async () => {
    gw = await startGateway({
      env: { ...FAST_RETRY, RETRY_MAX_ATTEMPTS: '1', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2' },
    });
    expect((await ask(gw, { seed: 7 })).status).toBe(200); // cached
    gw.sim.setFaultAlways({ kind: 'status', status: 500 });
    await ask(gw, { seed: 1 });
    await ask(gw, { seed: 2 });
    expect((await ask(gw, { seed: 3 })).status).toBe(503);
    const hit = await ask(gw, { seed: 7 });
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(gw.sim.stats.chatRequests).toBe(3);
  });

  it('does not count client errors', async () => {
    gw = await startGateway({ env: { ...FAST_RETRY, CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2' } });
    gw.sim.setFaultAlways({ kind: 'status', status: 400 });
    for (let i = 0; i < 4; i += 1) expect((await ask(gw)).status).toBe(400);
    gw.sim.setFaultAlways(undefined);
    expect((await ask(gw)).status).toBe(200);
  });

  it('is off with CIRCUIT_BREAKER_ENABLED=false', async () => {
    gw = await startGateway({
      env: { ...FAST_RETRY, CIRCUIT_BREAKER_ENABLED: 'false', RETRY_MAX_ATTEMPTS: '1' },
    });
    gw.sim.setFaultAlways({ kind: 'status', status: 500 });
    for (let i = 0; i < 7; i += 1) expect((await ask(gw)).status).toBe(502);
    expect(gw.sim.stats.chatRequests).toBe(7);
  });
});

describe('rate limit', () => {
  it('refuses with 429 rate_limit_exceeded and Retry-After once the bucket is empty', async () => {
    gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '3' } });
    for (let i = 0; i < 3; i += 1) {
      const ok = await ask(gw, { seed: i }); // distinct requests: a cache hit would spend no token
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(2 - i));
      expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
    }
    const limited = await ask(gw, { seed: 99, stream: true });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await limited.json()) as { error: { code: string } };
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(gw.sim.stats.chatRequests).toBe(3);
    expect(gw.logs.entries().some((e) => e.msg === 'Rate limit reached')).toBe(true);

    const metrics = (await (await fetch(`${gw.url}/metrics`)).json()) as {
      rate_limiter: Record<string, unknown>;
    };
    expect(metrics.rate_limiter).toMatchObject({ rate: 3, backend: 'memory' });
    expect(metrics.rate_limiter.tokens_available).toBeLessThan(1);
  });

  it('is off with RATE_LIMIT_ENABLED=false', async () => {
    gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1', RATE_LIMIT_ENABLED: 'false' } });
    for (let i = 0; i < 3; i += 1) expect((await ask(gw, { seed: i })).status).toBe(200);
  });

  it('spends no token on a cache hit, and still reports the bucket', async () => {
    gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1' } });
    expect((await ask(gw)).status).toBe(200);
    const hit = await ask(gw);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect((await ask(gw, { seed: 1 })).status).toBe(429);
  });
});
