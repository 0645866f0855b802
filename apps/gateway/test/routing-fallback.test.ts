// Routing fallbacks (issue 14): which failures of the primary move a request to the next target, and which do not.
import { expectOpenAIShape, sseData, sseJson } from '@llm-gateway/test-support';
import { defaultSimContent } from '@llm-gateway/upstream-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText } from './support/prometheus-text.js';
import {
  type RoutedGateway,
  type RoutingFile,
  readAnswer,
  type StartRoutedGatewayOptions,
  sentModel,
  startRoutedGateway,
} from './support/start-routed-gateway.js';

const PROMPT = 'routing fallback';
const MESSAGES = [{ role: 'user', content: PROMPT }];

/** `chat` → primary, then secondary; each upstream knows the model by another name than the alias. */
const TWO_TARGETS: RoutingFile = {
  routes: {
    chat: {
      targets: [
        { upstream: 'primary', model: 'primary-model' },
        { upstream: 'secondary', model: 'secondary-model' },
      ],
    },
  },
  default_route: 'chat',
};

let gw: RoutedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** A gateway over primary and secondary; the breaker is off unless a test is about it. */
async function start(env: Record<string, string> = {}, extra: Partial<StartRoutedGatewayOptions> = {}) {
  gw = await startRoutedGateway({
    upstreams: { primary: {}, secondary: {} },
    file: TWO_TARGETS,
    env: { CIRCUIT_BREAKER_ENABLED: 'false', ...env },
    ...extra,
  });
  return gw;
}

/** The Authorization header of the `index`-th call a simulator received. */
const authorization = (g: RoutedGateway, name: string, index = 0) =>
  g.sims[name]?.requests[index]?.headers.authorization;

describe('fallback before an answer', () => {
  it('primary 500s → the second answers; attempts count the primary’s retries and the fallback', async () => {
    const g = await start({ RETRY_MAX_ATTEMPTS: '2' });
    g.sims.primary?.setFaultAlways({ kind: 'status', status: 500 });
    const { data, response } = await g.openai.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: PROMPT }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-upstream')).toBe('secondary');
    expect(response.headers.get('x-gateway-attempts')).toBe('3');
    expect(data.model).toBe('secondary-model');
    expect(data.choices[0]?.message.content).toBe(defaultSimContent(PROMPT));
    expect(g.calls()).toEqual({ primary: 2, secondary: 1 });
    // Each simulator checks its own key: the answer proves the secondary got the secondary's key.
    expect(authorization(g, 'secondary')).toBe(`Bearer ${g.keys.secondary}`);
    expect(authorization(g, 'primary')).toBe(`Bearer ${g.keys.primary}`);
    expect(sentModel(g, 'secondary')).toBe('secondary-model');
  });

  it('primary hangs → the second answers within the deadline', async () => {
    const g = await start({ UPSTREAM_TIMEOUT_MS: '300', RETRY_MAX_ATTEMPTS: '1', RETRY_DEADLINE_MS: '5000' });
    g.sims.primary?.setFaultAlways({ kind: 'hang' });
    const started = performance.now();
    const answer = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.upstream).toBe('secondary');
    expect(answer.attempts).toBe(2);
    expect(answer.body.model).toBe('secondary-model');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    expect(g.calls()).toEqual({ primary: 1, secondary: 1 });
    // The gateway stopped waiting for the hung primary instead of leaving the call open.
    await g.sims.primary?.waitFor((s) => s.closedEarly === 1);
  });

  it('an upstream’s own timeout_ms from the file bounds its calls', async () => {
    const g = await start(
      { UPSTREAM_TIMEOUT_MS: '8000', RETRY_MAX_ATTEMPTS: '1' },
      { upstreams: { primary: { timeout_ms: 300 }, secondary: {} } },
    );
    g.sims.primary?.setFaultAlways({ kind: 'hang' });
    const started = performance.now();
    const answer = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(answer.status).toBe(200);
    expect(answer.upstream).toBe('secondary');
    expect(answer.attempts).toBe(2);
    expect(g.calls()).toEqual({ primary: 1, secondary: 1 });
  });

  it('primary 429 with a Retry-After longer than the cap → the second answers at once', async () => {
    const g = await start({ RETRY_AFTER_CAP_MS: '1000' });
    g.sims.primary?.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const started = performance.now();
    const answer = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(200);
    expect(answer.upstream).toBe('secondary');
    expect(answer.attempts).toBe(2);
    expect(answer.body.model).toBe('secondary-model');
    expect(g.calls()).toEqual({ primary: 1, secondary: 1 });
  });

  it.each([400, 422])(
    'primary %i → the client gets it with the upstream’s message, no fallback',
    async (status) => {
      const g = await start();
      const message = `upstream says the request is wrong (${status})`;
      g.sims.primary?.enqueue({
        kind: 'status',
        status,
        body: { error: { message, type: 'invalid_request_error', param: 'messages', code: null } },
      });
      const res = await g.post({ model: 'chat', messages: MESSAGES });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { message: string } };
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error.message).toContain(message);
      expect(g.calls()).toEqual({ primary: 1, secondary: 0 });
    },
  );
});

describe('fallback of streams', () => {
  it('a stream whose primary fails before the first byte is served whole by the second', async () => {
    const g = await start({ RETRY_MAX_ATTEMPTS: '1' });
    g.sims.primary?.setFaultAlways({ kind: 'status', status: 500 });
    const res = await g.post({ model: 'chat', messages: MESSAGES, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-gateway-upstream')).toBe('secondary');
    expect(res.headers.get('x-gateway-attempts')).toBe('2');
    const text = await res.text();
    expect(sseData(text).at(-1)).toBe('[DONE]');
    const chunks = sseJson(text) as Array<{ model: string; choices: Array<{ delta: { content?: string } }> }>;
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(defaultSimContent(PROMPT));
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set(['secondary-model']));
    expect(g.calls()).toEqual({ primary: 1, secondary: 1 });
  });

  it('a stream cut after its first chunk ends with an error event, no [DONE], and no fallback', async () => {
    const g = await start({ RETRY_MAX_ATTEMPTS: '1' });
    g.sims.primary?.enqueue({ kind: 'reset-mid-stream', afterChunks: 1 });
    const res = await g.post({ model: 'chat', messages: MESSAGES, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-upstream')).toBe('primary');
    expect(res.headers.get('x-gateway-attempts')).toBe('1');
    const text = await res.text();
    expect(text).not.toContain('[DONE]');
    const events = sseJson(text);
    expect(events.at(-1)).toHaveProperty('error');
    expect(events.filter((e) => 'choices' in e).length).toBeGreaterThanOrEqual(1);
    expect(g.calls()).toEqual({ primary: 1, secondary: 0 });
  });
});

describe('a breaker per upstream', () => {
  it('an open breaker on the primary skips it: no call to it, the second answers, /metrics shows it', async () => {
    const g = await start({
      CIRCUIT_BREAKER_ENABLED: 'true',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
      CIRCUIT_BREAKER_TIMEOUT: '60',
      RETRY_MAX_ATTEMPTS: '1',
    });
    g.sims.primary?.setFaultAlways({ kind: 'status', status: 500 });
    for (let i = 0; i < 2; i += 1) {
      const opening = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
      expect(opening).toMatchObject({ status: 200, upstream: 'secondary', attempts: 2 });
    }
    expect(g.calls()).toEqual({ primary: 2, secondary: 2 });

    // Healthy again, but its breaker is open: the gateway must not even try it.
    g.sims.primary?.setFaultAlways(undefined);
    const answer = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
    expect(answer).toMatchObject({ status: 200, upstream: 'secondary', attempts: 1 });
    expect(answer.body.model).toBe('secondary-model');
    expect(g.calls()).toEqual({ primary: 2, secondary: 3 });

    const metrics = (await g.metrics()) as {
      upstreams: Record<string, { circuit_breaker: { state: string } }>;
    };
    expect(metrics.upstreams.primary?.circuit_breaker.state).toBe('open');
    expect(metrics.upstreams.secondary?.circuit_breaker.state).toBe('closed');

    const exposition = parsePrometheusText(await g.prometheus());
    const breakerState = (upstream: string, state: string) =>
      exposition.samples.filter(
        (s) =>
          s.name.endsWith('circuit_breaker_state') &&
          s.labels.upstream === upstream &&
          s.labels.state === state,
      );
    expect(breakerState('primary', 'open').map((s) => s.value)).toEqual([1]);
    expect(breakerState('primary', 'closed').map((s) => s.value)).toEqual([0]);
    expect(breakerState('secondary', 'closed').map((s) => s.value)).toEqual([1]);
  });
});

describe('every target fails', () => {
  it('the client gets the last target’s error, saying that all targets of the route failed', async () => {
    gw = await startRoutedGateway({
      upstreams: { primary: {}, secondary: {}, tertiary: {} },
      file: {
        routes: {
          chat: {
            targets: [
              { upstream: 'primary', model: 'primary-model' },
              { upstream: 'secondary', model: 'secondary-model' },
              { upstream: 'tertiary', model: 'tertiary-model' },
            ],
          },
        },
        default_route: 'chat',
      },
      env: { CIRCUIT_BREAKER_ENABLED: 'false', RETRY_MAX_ATTEMPTS: '1', UPSTREAM_TIMEOUT_MS: '300' },
    });
    // Three different failures, so the answer shows whose error it is: the last target's (a timeout).
    gw.sims.primary?.setFaultAlways({ kind: 'status', status: 500 });
    gw.sims.secondary?.setFaultAlways({ kind: 'reset' });
    gw.sims.tertiary?.setFaultAlways({ kind: 'hang' });
    const res = await gw.post({ model: 'chat', messages: MESSAGES });
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; message: string; param: string | null } };
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.code).toBe('upstream_timeout');
    expect(`${body.error.param ?? ''} ${body.error.message}`).toMatch(/\b(all|every)\b.*\btargets?\b/i);
    expect(gw.calls()).toEqual({ primary: 1, secondary: 1, tertiary: 1 });
    // The log line of the failed request lists every attempt: each upstream by name, and the last one's code.
    const attemptLines = gw.logs.lines.filter(
      (line) =>
        line.includes('upstream_timeout') &&
        ['primary', 'secondary', 'tertiary'].every((n) => line.includes(`"${n}"`)),
    );
    expect(attemptLines.length).toBeGreaterThanOrEqual(1);
  });
});
