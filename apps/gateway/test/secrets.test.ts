// No key ever leaves the gateway (responses, logs, upstream calls), and info-level logs carry no prompt or answer.
import { request as httpRequest } from 'node:http';
import type { SimFault } from '@llm-gateway/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

/**
 * Two gateways: one logs everything (trace) to catch a key in any log line, one logs at info (the
 * production level) for the prompt/answer rule. Their upstream keys differ on purpose: the first
 * looks like an OpenAI key, so the scrubber's `sk-…` pattern would hide it even if exact-match
 * scrubbing broke; the second matches no pattern, so only exact-match scrubbing can hide it.
 */
const UPSTREAM_KEYS = {
  trace: 'sk-prxy-Wq4Zt8Lm2Xv6Rb9Nc3Hd7Kf1',
  info: 'PXYtok.J5sQ0eU7yG3iO8aD2fH6kL',
} as const;
const CLIENT_KEY_A = 'gwk-alpha-Q7m2X9v4T1r8P5n3B6';
const CLIENT_KEY_B = 'gwk-bravo-L6k1W8z3Y5u2J9h4C0';
const SECRETS = [...Object.values(UPSTREAM_KEYS), CLIENT_KEY_A, CLIENT_KEY_B];

/** Text that must never appear: each secret whole, base64-encoded, and every 12-character piece of it. */
const FORBIDDEN = [
  ...new Set(
    SECRETS.flatMap((secret) => [
      Buffer.from(secret).toString('base64'),
      ...Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12)),
    ]),
  ),
];
const leaksIn = (text: string) => FORBIDDEN.filter((piece) => text.includes(piece));

/** Marks user text and upstream answers, to find them in log lines. */
const PROMPT_MARK = 'PROMPT-MARK-v8q2';
const ANSWER_MARK = 'ANSWER-MARK-k3w9';

interface Exchange {
  label: string;
  status: number;
  /** `HTTP/1.1 <status> <message>`, then every header line as sent. */
  head: string;
  body: string;
}

interface Run {
  gw: TestGateway;
  upstreamKey: string;
  exchanges: Exchange[];
}

const runs = new Map<keyof typeof UPSTREAM_KEYS, Run>();

interface TrpcCall {
  procedure: string;
  body: string;
  headers?: Record<string, string>;
}

/** One request over node:http, to see the raw status line and header lines. */
function call(
  gw: TestGateway,
  {
    label,
    method,
    path,
    ...options
  }: { label: string; method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Exchange> {
  const url = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const lines = [`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          resolve({
            label,
            status: res.statusCode ?? 0,
            head: lines.join('\n'),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${label}: no answer in time`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

let promptCount = 0;
const prompt = () => `${PROMPT_MARK} #${++promptCount}: tell me about the weather`;
const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ messages: [{ role: 'user', content: prompt() }], ...extra });
const trpcBody = () => JSON.stringify({ json: { messages: [{ role: 'user', content: prompt() }] } });
const asA = { authorization: `Bearer ${CLIENT_KEY_A}` };
const asB = { authorization: `Bearer ${CLIENT_KEY_B}` };
const json = { 'content-type': 'application/json' };

/** Every kind of answer the gateway gives, successes and failures, REST and tRPC. */
async function drive(run: Run): Promise<void> {
  const { gw, upstreamKey } = run;
  const record = async (exchange: Promise<Exchange>) => {
    const done = await exchange;
    run.exchanges.push(done);
    return done;
  };
  const rest = (label: string, body: string, headers: Record<string, string> = asA) =>
    record(
      call(gw, {
        label,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { ...json, ...headers },
        body,
      }),
    );
  /** A tRPC mutation: `procedure` with `body`, as key A unless `headers` say otherwise. */
  const trpc = (label: string, { procedure, body, headers = asA }: TrpcCall) =>
    record(
      call(gw, { label, method: 'POST', path: `/trpc/${procedure}`, headers: { ...json, ...headers }, body }),
    );
  const get = (label: string, path: string, headers: Record<string, string> = {}) =>
    record(call(gw, { label, method: 'GET', path, headers }));
  const trpcStream = async (label: string, headers: Record<string, string> = asA) => {
    const started = await trpc(`${label} (start)`, {
      procedure: 'chat.startStream',
      body: trpcBody(),
      headers,
    });
    const streamId = /"streamId":"([^"]+)"/.exec(started.body)?.[1] ?? 'missing';
    const input = encodeURIComponent(JSON.stringify({ json: { streamId } }));
    return get(`${label} (stream)`, `/trpc/chat.stream?input=${input}`, headers);
  };
  /** Runs `step` with `fault` on every upstream call (retries included), then back to normal answers. */
  const withFault = async <T>(fault: SimFault, step: () => Promise<T>): Promise<T> => {
    gw.sim.setFaultAlways(fault);
    try {
      return await step();
    } finally {
      gw.sim.setFaultAlways(undefined);
    }
  };
  const keyError = (status: number, message: string): SimFault => ({
    kind: 'status',
    status,
    body: { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    headers: { 'x-upstream-echo': `key=${upstreamKey}` },
  });

  // Successes, with either client key.
  await rest('REST completion', chatBody());
  await rest('REST completion (key B, no-store)', chatBody(), { ...asB, 'cache-control': 'no-store' });
  await rest('REST stream', chatBody({ stream: true }));
  await trpc('tRPC complete', { procedure: 'chat.complete', body: trpcBody() });
  await trpcStream('tRPC stream');
  await trpcStream('tRPC stream (key B)', asB);

  // The client's own mistakes.
  await rest('REST bad JSON', '{"messages": [');
  await rest('REST invalid field', chatBody({ temperature: 'hot' }));
  await rest('REST missing key', chatBody(), {});
  await rest('REST wrong key', chatBody(), { authorization: `Bearer ${CLIENT_KEY_A.slice(0, -1)}x` });
  await rest('REST key without Bearer', chatBody(), { authorization: CLIENT_KEY_A });
  await rest('REST key as Basic', chatBody(), {
    authorization: `Basic ${Buffer.from(`user:${CLIENT_KEY_A}`).toString('base64')}`,
  });
  await trpc('tRPC missing key', { procedure: 'chat.complete', body: trpcBody(), headers: {} });
  await trpc('tRPC wrong key', {
    procedure: 'chat.complete',
    body: trpcBody(),
    headers: { authorization: `Bearer ${CLIENT_KEY_B}0` },
  });
  await trpc('tRPC invalid input', {
    procedure: 'chat.complete',
    body: JSON.stringify({ json: { messages: [] } }),
  });
  await trpcStream('tRPC stream with a wrong key', { authorization: `Bearer ${CLIENT_KEY_A}-nope` });

  // The upstream refuses our key and says so, key included; fails; drops the connection.
  await withFault(keyError(401, `invalid key ${upstreamKey}`), async () => {
    await rest('REST upstream 401 echoing the key', chatBody());
    await rest('REST stream, upstream 401 echoing the key', chatBody({ stream: true }));
    await trpc('tRPC upstream 401 echoing the key', { procedure: 'chat.complete', body: trpcBody() });
    await trpcStream('tRPC stream, upstream 401 echoing the key');
  });
  await withFault(keyError(400, `The key "${upstreamKey}" may not use this model`), () =>
    rest('REST upstream 400 echoing the key', chatBody()),
  );
  await withFault(keyError(429, `Rate limit reached for key ${upstreamKey}`), () =>
    rest('REST upstream 429 echoing the key', chatBody()),
  );
  await withFault(keyError(500, `internal error while checking ${upstreamKey}`), async () => {
    await rest('REST upstream 500 with the key in its message', chatBody());
    await trpc('tRPC upstream 500 with the key in its message', {
      procedure: 'chat.complete',
      body: trpcBody(),
    });
  });
  await withFault({ kind: 'status', status: 502, body: `upstream proxy: bad key ${upstreamKey}` }, () =>
    rest('REST upstream 502 with a text body naming the key', chatBody()),
  );
  await withFault({ kind: 'reset' }, async () => {
    await rest('REST upstream reset', chatBody());
    await rest('REST stream, upstream reset', chatBody({ stream: true }));
    await trpcStream('tRPC stream, upstream reset');
  });
  await withFault({ kind: 'reset-mid-stream', afterChunks: 1 }, () =>
    rest('REST stream cut mid-way', chatBody({ stream: true })),
  );
  await withFault({ kind: 'malformed' }, () => rest('REST upstream garbage', chatBody()));

  // Everything else a client can read.
  await get('models', '/v1/models', asA);
  await get('models without a key', '/v1/models');
  await get('metrics', '/metrics', asA);
  await get('metrics without a key', '/metrics');
  await get('prometheus', '/metrics/prometheus', asB);
  await get('prometheus without a key', '/metrics/prometheus');
  await get('health', '/health');
  await get('readiness', '/health/ready');
  await get('tRPC health + metrics batch', '/trpc/health,metrics,models.list?batch=1', asA);
  await get('unknown route', '/v1/nope', asA);
}

beforeAll(async () => {
  for (const level of ['trace', 'info'] as const) {
    const upstreamKey = UPSTREAM_KEYS[level];
    const gw = await startGateway({
      env: {
        LOG_LEVEL: level,
        PROXYAPI_API_KEY: upstreamKey,
        GATEWAY_API_KEYS: `${CLIENT_KEY_A},${CLIENT_KEY_B}`,
        METRICS_REQUIRE_API_KEY: 'true',
        RATE_LIMIT_ENABLED: 'false',
        // Upstream failures are the point here; the breaker would turn the later ones into 503s.
        CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1000',
        RETRY_BASE_DELAY_MS: '5',
        RETRY_MAX_DELAY_MS: '20',
      },
      sim: { apiKey: upstreamKey, reply: { content: `${ANSWER_MARK}: sunny, 21 degrees`, chunks: 3 } },
    });
    const run: Run = { gw, upstreamKey, exchanges: [] };
    runs.set(level, run);
    await drive(run);
  }
}, 60_000);

afterAll(async () => {
  for (const run of runs.values()) await run.gw.close();
});

const statusOf = (run: Run | undefined, label: string) =>
  run?.exchanges.find((exchange) => exchange.label === label)?.status;

describe('secrets', () => {
  it('the leak detector itself sees a 12-character piece of a key', () => {
    expect(leaksIn(`... ${CLIENT_KEY_B.slice(5, 17)} ...`)).not.toEqual([]);
    expect(leaksIn('nothing secret here')).toEqual([]);
  });

  it('the run reached every path it means to check', () => {
    for (const run of runs.values()) {
      expect(run.exchanges.length).toBeGreaterThanOrEqual(40);
      expect(statusOf(run, 'REST completion')).toBe(200);
      expect(statusOf(run, 'REST stream')).toBe(200);
      expect(statusOf(run, 'tRPC stream (stream)')).toBe(200);
      expect(statusOf(run, 'REST wrong key')).toBe(401);
      expect(statusOf(run, 'tRPC wrong key')).toBe(401);
      expect(statusOf(run, 'metrics without a key')).toBe(401);
      expect(statusOf(run, 'metrics')).toBe(200);
      expect(statusOf(run, 'prometheus')).toBe(200);
      expect(statusOf(run, 'REST upstream 401 echoing the key')).toBeGreaterThanOrEqual(400);
      expect(statusOf(run, 'REST upstream 500 with the key in its message')).toBe(502);
      expect(statusOf(run, 'REST upstream reset')).toBe(502);
      // The answers did come from the simulator, so the marker checks below are meaningful.
      const completion = run.exchanges.find((exchange) => exchange.label === 'REST completion');
      expect(completion?.body).toContain(ANSWER_MARK);
    }
  });

  it('no response carries a key, a piece of one or its base64: status line, headers, body', () => {
    const found = [...runs.values()].flatMap((run) =>
      run.exchanges.flatMap((exchange) =>
        leaksIn(`${exchange.head}\n\n${exchange.body}`).map((piece) => `${exchange.label}: …${piece}…`),
      ),
    );
    expect(found).toEqual([]);
  });

  it('no log line, at any level, carries a key or a piece of one', () => {
    const trace = runs.get('trace');
    // Trace level really logged: at least one line per request.
    expect(trace?.gw.logs.lines.length ?? 0).toBeGreaterThanOrEqual(trace?.exchanges.length ?? 1);
    const found = [...runs.values()].flatMap((run) =>
      run.gw.logs.lines.flatMap((line) =>
        leaksIn(line).map((piece) => `…${piece}… in ${line.slice(0, 300)}`),
      ),
    );
    expect(found).toEqual([]);
  });

  it('at info level, no log line carries a prompt or an answer', () => {
    const info = runs.get('info');
    expect(info?.gw.config.logLevel).toBe('info');
    const lines = info?.gw.logs.lines ?? [];
    expect(lines.length).toBeGreaterThanOrEqual(info?.exchanges.length ?? 1);
    expect(lines.filter((line) => line.includes(PROMPT_MARK) || line.includes(ANSWER_MARK))).toEqual([]);
  });

  it('the upstream got the upstream key on every call, and never a client key', () => {
    for (const run of runs.values()) {
      const requests = run.gw.sim.requests;
      expect(requests.length).toBeGreaterThanOrEqual(15);
      for (const request of requests) {
        expect(request.headers.authorization).toBe(`Bearer ${run.upstreamKey}`);
        const seen = JSON.stringify(request);
        for (const clientKey of [CLIENT_KEY_A, CLIENT_KEY_B])
          for (let i = 0; i + 12 <= clientKey.length; i++)
            expect(seen).not.toContain(clientKey.slice(i, i + 12));
      }
      // The prompts did reach the upstream: the marker is a real probe, not a typo.
      expect(JSON.stringify(requests)).toContain(PROMPT_MARK);
    }
  });
});
