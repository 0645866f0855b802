// Load balancing (issue 14): two keys of one provider weighted 3:1 share traffic smoothly; a failing key is routed around.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RoutedGateway,
  type RoutingFile,
  readAnswer,
  startRoutedGateway,
} from './support/start-routed-gateway.js';

const MESSAGES = [{ role: 'user', content: 'routing balance' }];

/** Two keys of one provider (a simulator each), the same model, one priority level. */
function balanced(weights: readonly [number, number]): RoutingFile {
  return {
    routes: {
      balanced: {
        targets: [
          { upstream: 'key-a', model: 'shared-model', priority: 1, weight: weights[0] },
          { upstream: 'key-b', model: 'shared-model', priority: 1, weight: weights[1] },
        ],
      },
    },
    default_route: 'balanced',
  };
}

let gw: RoutedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function start(weights: readonly [number, number], env: Record<string, string> = {}) {
  gw = await startRoutedGateway({ upstreams: { 'key-a': {}, 'key-b': {} }, file: balanced(weights), env });
  return gw;
}

/** Sends `count` requests one after another (so the order is the balancer's) and reads each answer. */
async function sendInOrder(g: RoutedGateway, count: number) {
  const answers = [];
  for (let i = 0; i < count; i += 1)
    answers.push(await readAnswer(await g.post({ model: 'balanced', messages: MESSAGES })));
  return answers;
}

describe('smooth weighted round-robin', () => {
  it('weights 3:1 split 400 requests 300/100 (±5%), exactly 3:1 in every window of 4', async () => {
    const g = await start([3, 1], { CIRCUIT_BREAKER_ENABLED: 'false' });
    const answers = await sendInOrder(g, 400);
    // Each answered at the first try: listing the others (a few) shows why, not just `false`.
    expect(answers.filter((a) => a.status !== 200 || a.attempts !== 1).slice(0, 3)).toEqual([]);
    const order = answers.map((a) => a.upstream);
    const a = order.filter((u) => u === 'key-a').length;
    const b = order.filter((u) => u === 'key-b').length;
    expect(a + b).toBe(400);
    expect(Math.abs(a - 300)).toBeLessThanOrEqual(20);
    expect(Math.abs(b - 100)).toBeLessThanOrEqual(20);
    // The header tells the truth: each simulator saw exactly the requests attributed to it.
    expect(g.calls()).toEqual({ 'key-a': a, 'key-b': b });

    // Smooth, not bursty: every run of 4 consecutive requests (at any offset) holds exactly one key-b.
    const badWindows = [];
    for (let start = 0; start + 4 <= order.length; start += 1) {
      const window = order.slice(start, start + 4);
      if (window.filter((u) => u === 'key-a').length !== 3) badWindows.push({ start, window });
    }
    expect(badWindows).toEqual([]);
  });

  it('sends each key’s calls with that key', async () => {
    const g = await start([1, 1], { CIRCUIT_BREAKER_ENABLED: 'false' });
    const answers = await sendInOrder(g, 4);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(g.calls()).toEqual({ 'key-a': 2, 'key-b': 2 });
    for (const name of ['key-a', 'key-b']) {
      const seen = new Set(g.sims[name]?.requests.map((r) => r.headers.authorization));
      expect(seen).toEqual(new Set([`Bearer ${g.keys[name]}`]));
    }
  });
});

describe('a failing key', () => {
  it('a 429 on one key moves that request to the other', async () => {
    const g = await start([1, 1], { CIRCUIT_BREAKER_ENABLED: 'false', RETRY_AFTER_CAP_MS: '1000' });
    g.sims['key-a']?.setFaultAlways({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const answers = await sendInOrder(g, 8);
    expect(answers.map((a) => [a.status, a.upstream])).toEqual(Array(8).fill([200, 'key-b']));
    const calls = g.calls();
    expect(calls['key-b']).toBe(8);
    // Balanced 1:1, key-a is some requests' first pick; each of those met one 429 and moved on.
    expect(calls['key-a']).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.attempts === 2)).toHaveLength(calls['key-a'] ?? -1);
    expect(answers.filter((a) => a.attempts === 1)).toHaveLength(8 - (calls['key-a'] ?? 0));
  });

  it('a key whose breaker is open gets no more calls; the other key takes them all', async () => {
    const g = await start([3, 1], {
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
      CIRCUIT_BREAKER_TIMEOUT: '60',
      RETRY_MAX_ATTEMPTS: '1',
    });
    g.sims['key-a']?.setFaultAlways({ kind: 'status', status: 500 });
    const answers = await sendInOrder(g, 12);
    expect(answers.map((a) => [a.status, a.upstream])).toEqual(Array(12).fill([200, 'key-b']));
    // Two failures open key-a's breaker; from then on it is left out of the pick.
    expect(g.calls()).toEqual({ 'key-a': 2, 'key-b': 12 });
    const metrics = (await g.metrics()) as {
      upstreams: Record<string, { circuit_breaker: { state: string } }>;
    };
    expect(metrics.upstreams['key-a']?.circuit_breaker.state).toBe('open');
    expect(metrics.upstreams['key-b']?.circuit_breaker.state).toBe('closed');
  });
});
