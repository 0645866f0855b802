// GET /metrics/prometheus: a valid exposition whose counters move by exactly what the traffic did.
import { drain } from '@llm-gateway/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Exposition, parsePrometheusText } from './support/prometheus-text.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

const FAST_RETRY = { RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '20' };
const MODEL = 'deepseek/deepseek-v3.2';
const CHAT = { route: '/v1/chat/completions', method: 'POST' };

async function scrape(gw: TestGateway): Promise<Exposition> {
  const res = await fetch(`${gw.url}/metrics/prometheus`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

/** The change of every watched sample between two scrapes. */
function delta(
  { before, after }: { before: Exposition; after: Exposition },
  name: string,
  labels?: Record<string, string>,
) {
  return after.sum(name, labels) - before.sum(name, labels);
}

describe('the Prometheus exposition', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: FAST_RETRY });
  });
  afterAll(async () => gw.close());
  afterEach(() => gw.sim.reset());

  it('is valid text format with this instance’s process metrics and every gateway family', async () => {
    const metrics = await scrape(gw);
    for (const [family, type] of [
      ['llm_gateway_process_cpu_user_seconds_total', 'counter'],
      ['llm_gateway_nodejs_eventloop_lag_seconds', 'gauge'],
      ['llm_gateway_http_requests_total', 'counter'],
      ['llm_gateway_http_request_duration_seconds', 'histogram'],
      ['llm_gateway_upstream_request_duration_seconds', 'histogram'],
      ['llm_gateway_upstream_errors_total', 'counter'],
      ['llm_gateway_retries_total', 'counter'],
      ['llm_gateway_stream_time_to_first_token_seconds', 'histogram'],
      ['llm_gateway_streams_in_flight', 'gauge'],
      ['llm_gateway_cache_lookups_total', 'counter'],
      ['llm_gateway_cache_coalesced_total', 'counter'],
      ['llm_gateway_circuit_breaker_state', 'gauge'],
      ['llm_gateway_circuit_breaker_transitions_total', 'counter'],
      ['llm_gateway_rate_limit_rejections_total', 'counter'],
      ['llm_gateway_rate_limit_tokens_available', 'gauge'],
    ] as const) {
      expect(metrics.types.get(family), family).toBe(type);
    }
    expect(metrics.find('llm_gateway_circuit_breaker_state')).toEqual(
      expect.arrayContaining([
        { name: 'llm_gateway_circuit_breaker_state', labels: { state: 'closed' }, value: 1 },
      ]),
    );
    expect(metrics.sum('llm_gateway_circuit_breaker_state')).toBe(1);
    expect(metrics.sum('llm_gateway_rate_limit_tokens_available')).toBeGreaterThan(99);
  });

  it('counts non-stream, stream, cache-hit and retried requests exactly', async () => {
    const before = await scrape(gw);

    await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'prom one' }],
    });
    const stream = await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'prom two' }],
      stream: true,
    });
    await drain(stream);
    const hit = await gw.openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'prom one' }] })
      .withResponse();
    expect(hit.response.headers.get('x-cache')).toBe('HIT');
    gw.sim.enqueue({ kind: 'status', status: 500 });
    await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'prom three' }],
    });
    expect(gw.sim.stats.chatRequests).toBe(4);
    expect((await fetch(`${gw.url}/no/such/route?secret=1`)).status).toBe(404);

    const after = await scrape(gw);
    const d = (name: string, labels?: Record<string, string>) => delta({ before, after }, name, labels);
    expect(d('llm_gateway_http_requests_total', { ...CHAT, status: '200' })).toBe(4);
    expect(d('llm_gateway_http_request_duration_seconds_count', CHAT)).toBe(4);
    expect(d('llm_gateway_http_requests_total', { route: 'not_found', method: 'GET', status: '404' })).toBe(
      1,
    );
    // the raw URL never becomes a label
    expect(after.samples.some((s) => Object.values(s.labels).some((v) => v.includes('/no/such')))).toBe(
      false,
    );
    expect(d('llm_gateway_upstream_request_duration_seconds_count', { stream: 'false' })).toBe(2);
    expect(d('llm_gateway_upstream_request_duration_seconds_count', { stream: 'true' })).toBe(1);
    expect(d('llm_gateway_stream_time_to_first_token_seconds_count')).toBe(1);
    expect(d('llm_gateway_retries_total')).toBe(1);
    expect(d('llm_gateway_upstream_errors_total')).toBe(0);
    expect(d('llm_gateway_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(d('llm_gateway_cache_lookups_total', { result: 'miss' })).toBe(3);
    expect(d('llm_gateway_rate_limit_rejections_total')).toBe(0);
    expect(after.sum('llm_gateway_streams_in_flight')).toBe(0);
  });

  it('counts a failure once per request after its retries, by code', async () => {
    const before = await scrape(gw);
    gw.sim.enqueueRepeat({ kind: 'status', status: 500 }, 3);
    const res = await gw.post({ model: MODEL, messages: [{ role: 'user', content: 'prom failing' }] });
    expect(res.status).toBe(502);
    expect(gw.sim.stats.chatRequests).toBe(3);
    const after = await scrape(gw);
    expect(delta({ before, after }, 'llm_gateway_upstream_errors_total', { code: 'upstream_error' })).toBe(1);
    expect(delta({ before, after }, 'llm_gateway_upstream_errors_total')).toBe(1);
    expect(delta({ before, after }, 'llm_gateway_retries_total')).toBe(2);
    expect(delta({ before, after }, 'llm_gateway_http_requests_total', { ...CHAT, status: '502' })).toBe(1);
  });

  it('shows a stream in flight while it is being served, and none after', async () => {
    gw.sim.configure({ chunkDelayMs: 100, chunks: 3 });
    const stream = await gw.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'prom in flight' }],
      stream: true,
    });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    expect((await scrape(gw)).sum('llm_gateway_streams_in_flight')).toBe(1);
    while (!(await chunks.next()).done) {
      // drain
    }
    expect((await scrape(gw)).sum('llm_gateway_streams_in_flight')).toBe(0);
  });

  it('leaves GET /metrics in its JSON shape', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'cache',
      'cache_enabled',
      'circuit_breaker',
      'rate_limiter',
      // Issue 16: the Redis topology and whether this instance is connected (`disabled` without Redis).
      'redis',
      'streaming_enabled',
      'upstream_concurrency',
      // Issue 14: each upstream's own breaker and slots, by name.
      'upstreams',
    ]);
    expect(body).toMatchObject({
      circuit_breaker: {
        state: 'closed',
        failure_count: expect.any(Number),
        failure_threshold: 5,
        opened_at: null,
        half_open_at: null,
      },
      rate_limiter: { rate: 100, tokens_available: expect.any(Number), backend: 'memory', degraded: false },
      cache_enabled: true,
      cache: { backend: 'memory', hits: expect.any(Number), misses: expect.any(Number), coalesced: 0 },
      streaming_enabled: true,
    });
  });
});

describe('rate limit and circuit breaker in the exposition', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('counts a 429 and shows the empty bucket', async () => {
    gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1' } });
    const before = await scrape(gw);
    expect((await gw.post({ messages: [{ role: 'user', content: 'rl one' }] })).status).toBe(200);
    expect((await gw.post({ messages: [{ role: 'user', content: 'rl two' }] })).status).toBe(429);
    const after = await scrape(gw);
    expect(delta({ before, after }, 'llm_gateway_rate_limit_rejections_total')).toBe(1);
    expect(delta({ before, after }, 'llm_gateway_http_requests_total', { ...CHAT, status: '429' })).toBe(1);
    expect(after.sum('llm_gateway_rate_limit_tokens_available')).toBeLessThan(1);
    // refused before the upstream: not an upstream error
    expect(delta({ before, after }, 'llm_gateway_upstream_errors_total')).toBe(0);
  });

  it('follows the breaker through open, half-open and closed', async () => {
    gw = await startGateway({
      env: {
        RETRY_MAX_ATTEMPTS: '1',
        CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
        CIRCUIT_BREAKER_TIMEOUT: '1',
      },
    });
    const transitions = (m: Exposition, from: string, to: string) =>
      m.sum('llm_gateway_circuit_breaker_transitions_total', { from, to });
    const state = (m: Exposition) =>
      m.find('llm_gateway_circuit_breaker_state').find((s) => s.value === 1)?.labels.state;

    const initial = await scrape(gw);
    expect(transitions(initial, 'closed', 'open')).toBe(0);
    gw.sim.enqueueRepeat({ kind: 'status', status: 500 }, 2);
    for (const content of ['cb one', 'cb two'])
      expect((await gw.post({ messages: [{ role: 'user', content }] })).status).toBe(502);
    const open = await scrape(gw);
    expect(state(open)).toBe('open');
    expect(transitions(open, 'closed', 'open')).toBe(1);
    expect(open.sum('llm_gateway_upstream_errors_total', { code: 'upstream_error' })).toBe(2);

    await new Promise((resolve) => setTimeout(resolve, 1050));
    const halfOpen = await scrape(gw);
    expect(state(halfOpen)).toBe('half_open');
    expect(transitions(halfOpen, 'open', 'half_open')).toBe(1);

    expect((await gw.post({ messages: [{ role: 'user', content: 'cb probe' }] })).status).toBe(200);
    const closed = await scrape(gw);
    expect(state(closed)).toBe('closed');
    expect(transitions(closed, 'half_open', 'closed')).toBe(1);
  });

  it('shows no series for disabled components', async () => {
    gw = await startGateway({
      env: { CACHE_ENABLED: 'false', CIRCUIT_BREAKER_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false' },
    });
    const metrics = await scrape(gw);
    for (const family of [
      'llm_gateway_cache_lookups_total',
      'llm_gateway_circuit_breaker_state',
      'llm_gateway_circuit_breaker_transitions_total',
      'llm_gateway_rate_limit_tokens_available',
    ])
      expect(metrics.types.has(family), family).toBe(false);
  });
});
