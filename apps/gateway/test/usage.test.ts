// Issue 15 end to end: keys from GATEWAY_CONFIG, usage per key over REST and tRPC, two instances on one Redis, token limits, budgets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

const KEYS = {
  BOT_A: 'sk-a-usage-test-1111',
  BOT_B: 'sk-b-usage-test-2222',
  ADMIN: 'sk-admin-usage-3333',
  TIGHT: 'sk-tight-usage-4444',
  POOR: 'sk-poor-usage-5555',
};
const MODEL = 'deepseek/deepseek-v3.2';
const FILE = `keys:
  - { name: bot-a, key_env: BOT_A, models: [${MODEL}] }
  - { name: bot-b, key_env: BOT_B }
  - { name: ops, key_env: ADMIN, admin: true }
  - { name: tight, key_env: TIGHT, tokens_per_minute: 1000 }
  - { name: poor, key_env: POOR, budget_usd: { daily: 0.01 } }
prices:
  ${MODEL}: { prompt: 1000, completion: 2000 }
`;

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

let dir: string;
let redis: RedisServerHandle;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'usage-test-'));
  writeFileSync(join(dir, 'gateway.yaml'), FILE);
  redis = await startRedisServer();
  const env = {
    ...KEYS,
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `usage-${Date.now()}:`,
    RATE_LIMIT_ENABLED: 'false',
  };
  [a, b] = await Promise.all([startGateway({ env }), startGateway({ env })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const client = (gw: TestGateway, key: string) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
const ask = (content: string) => [{ role: 'user' as const, content }];
const getUsage = (gw: TestGateway, key: string, query = '') =>
  fetch(`${gw.url}/v1/usage${query}`, { headers: { authorization: `Bearer ${key}` } });

/** Waits for the writes that follow the answers (they are never awaited on the request path). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('usage per key', () => {
  it("totals equal the sum of the answers' usage, over JSON and streams, counted by two instances into one Redis", async () => {
    const fresh: Usage[] = [];
    for (const [gw, key, name] of [
      [a, KEYS.BOT_A, 'a'],
      [b, KEYS.BOT_A, 'b'],
      [a, KEYS.BOT_B, 'c'],
    ] as const) {
      const json = await client(gw, key).chat.completions.create({
        model: MODEL,
        messages: ask(`json ${name}`),
      });
      fresh.push(json.usage as Usage);
      const stream = client(gw, key).chat.completions.stream({
        model: MODEL,
        messages: ask(`stream ${name}`),
        stream_options: { include_usage: true },
      });
      fresh.push((await stream.finalChatCompletion()).usage as Usage);
    }
    // A hit (stored by instance a, served by b): counted apart, its tokens as saved.
    const hit = await client(b, KEYS.BOT_A).chat.completions.create({
      model: MODEL,
      messages: ask('json a'),
    });
    expect(hit.usage).toMatchObject({ from_cache: true });
    await settle();
    const mine = fresh.slice(0, 4);
    const sum = (list: Usage[], field: keyof Usage) => list.reduce((total, usage) => total + usage[field], 0);
    const response = await getUsage(b, KEYS.BOT_A);
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown> & {
      totals: Record<string, unknown>;
      by_model: unknown[];
      by_day: unknown[];
    };
    expect(report).toMatchObject({ object: 'usage', key: 'bot-a' });
    expect(report.totals).toMatchObject({
      requests: 5,
      cached_requests: 1,
      prompt_tokens: sum(mine, 'prompt_tokens'),
      completion_tokens: sum(mine, 'completion_tokens'),
      total_tokens: sum(mine, 'total_tokens'),
      saved_tokens: (hit.usage as Usage).total_tokens,
      cost_complete: true,
    });
    expect(report.totals.cost_usd).toBeCloseTo(
      (sum(mine, 'prompt_tokens') * 1000 + sum(mine, 'completion_tokens') * 2000) / 1e6,
      9,
    );
    expect(report.by_model).toHaveLength(1);
    expect(report.by_day).toHaveLength(1);
    // The admin reads any key's; the same totals over tRPC.
    const other = (await (await getUsage(a, KEYS.ADMIN, '?key=bot-b')).json()) as {
      totals: { total_tokens: number };
    };
    expect(other.totals.total_tokens).toBe(sum(fresh.slice(4), 'total_tokens'));
    const trpc = await fetch(
      `${a.url}/trpc/usage?input=${encodeURIComponent(JSON.stringify({ json: { key: 'bot-b' } }))}`,
      {
        headers: { authorization: `Bearer ${KEYS.ADMIN}` },
      },
    );
    expect(
      ((await trpc.json()) as { result: { data: { json: { totals: unknown } } } }).result.data.json.totals,
    ).toEqual(other.totals);

    // Prometheus on instance a: its own answers (bot-a's first JSON and stream, bot-b's two), by key
    // name and model; scraped twice, so counts handed over at one scrape are not counted again.
    const onA = [fresh[0], fresh[1], fresh[4], fresh[5]] as Usage[];
    for (let scrape = 0; scrape < 2; scrape += 1) {
      const text = await (await fetch(`${a.url}/metrics/prometheus`)).text();
      const series = (name: string, labels: string) =>
        Number(text.match(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm'))?.[1]);
      expect(series('llm_gateway_usage_tokens_total', `key="bot-a",model="${MODEL}",type="prompt"`)).toBe(
        sum(onA.slice(0, 2), 'prompt_tokens'),
      );
      expect(series('llm_gateway_usage_tokens_total', `key="bot-b",model="${MODEL}",type="completion"`)).toBe(
        sum(onA.slice(2), 'completion_tokens'),
      );
      expect(series('llm_gateway_usage_requests_total', `key="bot-a",model="${MODEL}",cached="false"`)).toBe(
        2,
      );
      expect(series('llm_gateway_usage_cost_usd_total', `key="bot-b",model="${MODEL}"`)).toBeCloseTo(
        (sum(onA.slice(2), 'prompt_tokens') * 1000 + sum(onA.slice(2), 'completion_tokens') * 2000) / 1e6,
        9,
      );
      expect(text).not.toContain(KEYS.BOT_A);
    }
  });

  it("refuses another key's usage to a non-admin key, and bad days, in OpenAI's shape", async () => {
    const denied = await getUsage(a, KEYS.BOT_A, '?key=bot-b');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'permission_denied', param: 'key' } });
    const bad = await getUsage(a, KEYS.BOT_A, '?from=2026-13-01');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request', param: 'from' } });
    expect((await getUsage(a, 'sk-nobody')).status).toBe(401);
  });

  it("refuses a model outside the key's list with 403 before the upstream", async () => {
    const before = a.sim.stats.requests;
    const response = await a.post(
      { model: 'other/model', messages: ask('x') },
      { authorization: `Bearer ${KEYS.BOT_A}` },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'permission_denied', param: 'model' } });
    expect(a.sim.stats.requests).toBe(before);
  });
});

describe('token limit (1,000 tokens a minute)', () => {
  it('refuses a request that reserves more, with the token headers, and settles to the real usage', async () => {
    const auth = { authorization: `Bearer ${KEYS.TIGHT}` };
    const big = await a.post({ model: MODEL, messages: ask('big'), max_tokens: 5000 }, auth);
    expect(big.status).toBe(429);
    expect(await big.json()).toMatchObject({
      error: { code: 'token_rate_limit_exceeded', param: 'max_tokens' },
    });
    expect(big.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    const first = await a.post(
      { model: MODEL, messages: ask('tight one'), max_tokens: 700 },
      { ...auth, 'cache-control': 'no-store' },
    );
    expect(first.status).toBe(200);
    const used = ((await first.json()) as { usage: Usage }).usage.total_tokens;
    const reservedLeft = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(reservedLeft).toBeLessThan(300);
    await settle();
    // Reserving 700 again fits only because the first call's unused tokens came back.
    const second = await a.post(
      { model: MODEL, messages: ask('tight two'), max_tokens: 700 },
      { ...auth, 'cache-control': 'no-store' },
    );
    expect(second.status).toBe(200);
    const left = Number(second.headers.get('x-ratelimit-remaining-tokens'));
    // Left = capacity − the first call's real usage − the second's reservation (the same size), give or take the refill.
    const reservation = 1000 - reservedLeft;
    expect(Math.abs(left - (1000 - used - reservation))).toBeLessThanOrEqual(10);
  });
});

describe('budget ($0.01 a day at a known price)', () => {
  it('answers the request that crosses it, then refuses REST and tRPC with insufficient_quota', async () => {
    const auth = { authorization: `Bearer ${KEYS.POOR}` };
    const statuses: number[] = [];
    for (let n = 0; n < 10; n += 1) {
      const response = await a.post({ model: MODEL, messages: ask(`poor ${n}`) }, auth);
      statuses.push(response.status);
      if (response.status !== 200) {
        expect(await response.json()).toMatchObject({
          error: { code: 'insufficient_quota', type: 'insufficient_quota' },
        });
        break;
      }
      await response.text();
    }
    // Each answer costs about $0.01 at these prices: the first crosses the budget, the second is refused.
    expect(statuses).toEqual([200, 429]);
    const stream = await b.post({ model: MODEL, messages: ask('poor stream'), stream: true }, auth);
    expect(stream.status).toBe(429);
    const trpc = await fetch(`${b.url}/trpc/chat.complete`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { model: MODEL, messages: ask('poor trpc') } }),
    });
    expect(trpc.status).toBe(429);
    expect(await trpc.json()).toMatchObject({
      error: { json: { data: { gateway: { code: 'insufficient_quota' } } } },
    });
  });
});
