// End to end: a stream survives a cut TCP connection (same instance, or another sharing Redis); cancel is not a drop.
import { randomUUID } from 'node:crypto';
import {
  caught,
  type RedisServerHandle,
  type SpawnedGateway,
  spawnGateway,
  startRedisServer,
  startTcpProxy,
  type TcpProxy,
} from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../src/index.js';
import { prompt, UPSTREAM_KEY } from './support.js';

const CONTENT = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
const GRACE_MS = 1500;

let redis: RedisServerHandle;
let sim: UpstreamSim;
let first: SpawnedGateway;
let second: SpawnedGateway;
let proxy: TcpProxy;
let client: GatewayClient;

beforeAll(async () => {
  redis = await startRedisServer();
  sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY });
  const env = {
    PROXYAPI_API_KEY: UPSTREAM_KEY,
    OPENROUTER_BASE_URL: sim.baseUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `test:resumable-e2e:${randomUUID()}:`,
    CACHE_ENABLED: 'false',
    RATE_LIMIT_ENABLED: 'false',
    STREAM_RESUME_GRACE_MS: String(GRACE_MS),
    STREAM_RESUME_TTL_S: '1',
  };
  [first, second] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
});
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await sim?.close();
  await redis?.stop();
});
beforeEach(async () => {
  sim.reset();
  sim.configure({ content: CONTENT, chunkBy: 'words', chunkDelayMs: 15 });
  proxy = await startTcpProxy(first.url);
  client = createGatewayClient({ url: proxy.url, connectTimeoutMs: 2000, resumeTimeoutMs: 10_000 });
});
afterEach(async () => proxy.close());

/** Reads the whole stream, calling `afterFifth` once the 5th content chunk arrived. */
async function readWithCut(afterFifth: () => void): Promise<string[]> {
  const pieces: string[] = [];
  for await (const chunk of client.chat.stream(prompt('a long story'))) {
    const text = chunk.choices[0]?.delta?.content;
    if (!text) continue;
    pieces.push(text);
    if (pieces.length === 5) afterFifth();
  }
  return pieces;
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('resumable streams through the typed client', () => {
  it('a connection cut after the 5th of 50 chunks: every chunk once, in order; one upstream call', async () => {
    const before = proxy.connections();
    const pieces = await readWithCut(() => proxy.cut());
    expect(pieces).toHaveLength(50);
    expect(pieces.join('')).toBe(CONTENT);
    expect(sim.stats.chatRequests).toBe(1);
    expect(sim.stats.closedEarly).toBe(0);
    // It did reconnect through the proxy (not a stream that was never cut).
    expect(proxy.connections() - before).toBeGreaterThanOrEqual(3);
  });

  it('the same when the reconnect lands on a second instance sharing Redis', async () => {
    const pieces = await readWithCut(() => {
      proxy.retarget(second.url);
      proxy.cut();
    });
    expect(pieces.join('')).toBe(CONTENT);
    expect(pieces).toHaveLength(50);
    expect(sim.stats.chatRequests).toBe(1);
    expect(sim.stats.closedEarly).toBe(0);
  });

  it('breaking out of the loop cancels: the upstream call is closed within a second', async () => {
    sim.configure({ chunkDelayMs: 100 });
    let seen = 0;
    for await (const _chunk of client.chat.stream(prompt('stop early'))) {
      seen += 1;
      if (seen === 3) break;
    }
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('aborting cancels too', async () => {
    sim.configure({ chunkDelayMs: 100 });
    const controller = new AbortController();
    const failure = caught(async () => {
      for await (const _chunk of client.chat.stream(prompt('abort me'), { signal: controller.signal })) {
        controller.abort();
      }
    });
    await failure;
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('a drop with no reconnect keeps the upstream call for the grace period, then closes it', async () => {
    sim.configure({ chunkDelayMs: 100 });
    const controller = new AbortController();
    const reading = caught(async () => {
      let seen = 0;
      for await (const _chunk of client.chat.stream(prompt('drop'), { signal: controller.signal })) {
        seen += 1;
        if (seen === 2) {
          proxy.refuse(true);
          proxy.cut();
        }
      }
    });
    const cutAt = Date.now();
    await waitMs(GRACE_MS - 500);
    expect(sim.stats.closedEarly).toBe(0);
    await sim.waitFor((s) => s.closedEarly === 1, 2000);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    controller.abort();
    await reading;
  });

  it('a resume after the keep time fails promptly with the typed stream_expired error', async () => {
    sim.configure({ chunkDelayMs: 5 });
    const reading = caught(() =>
      readWithCut(() => {
        proxy.refuse(true);
        proxy.cut();
      }),
    );
    // The upstream finishes (or its grace period ends it); then its keep time (1 s) passes.
    await waitMs(GRACE_MS + 1500);
    const allowedAt = Date.now();
    proxy.refuse(false);
    const error = await reading;
    expect(error).toMatchObject({ name: 'GatewayClientError', code: 'stream_expired', status: 410 });
    expect(Date.now() - allowedAt).toBeLessThan(2000);
  });
});
