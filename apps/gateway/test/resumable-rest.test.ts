// REST resumption (opt-in with x-gateway-resumable): id lines, the stream-id header, GET …/streams/{id} with Last-Event-ID.
import { randomUUID } from 'node:crypto';
import {
  type RedisServerHandle,
  startRedisServer,
  startTcpProxy,
  type TcpProxy,
} from '@llm-gateway/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contentOf, type SseEvent, sseEvents } from './support/sse-reader.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

const WORDS = Array.from({ length: 50 }, (_, i) => `w${i}`);
const CONTENT = WORDS.join(' ');
const BODY = { messages: [{ role: 'user', content: 'tell a long story' }], stream: true };

let redis: RedisServerHandle;
let first: TestGateway;
let second: TestGateway;
let proxy: TcpProxy;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `test:resumable-rest:${randomUUID()}:`,
    CACHE_ENABLED: 'false',
    RATE_LIMIT_ENABLED: 'false',
    STREAM_RESUME_GRACE_MS: '400',
    STREAM_RESUME_TTL_S: '1',
  };
  first = await startGateway({ env });
  // The second instance shares Redis and the first one's upstream simulator (the call count is one).
  second = await startGateway({ env: { ...env, OPENROUTER_BASE_URL: first.sim.baseUrl } });
});
afterAll(async () => {
  await proxy?.close();
  await second?.close();
  await first?.close();
  await redis?.stop();
});
beforeEach(async () => {
  first.sim.reset();
  first.sim.configure({ content: CONTENT, chunkBy: 'words', chunkDelayMs: 15 });
  proxy = await startTcpProxy(first.url);
});
afterEach(async () => proxy.close());

function post(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(BODY),
    ...(signal ? { signal } : {}),
  });
}

/** Reads events until `count` content events arrived, then cuts the proxy's connections. */
async function readThenCut(response: Response, count: number): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  try {
    for await (const event of sseEvents(response)) {
      seen.push(event);
      if (seen.filter((e) => contentOf(e) !== '').length === count) proxy.cut();
    }
  } catch {
    // The cut: the body breaks off.
  }
  return seen;
}

async function readAll(response: Response): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for await (const event of sseEvents(response)) seen.push(event);
  return seen;
}

function resume(url: string, id: string, lastEventId: string | undefined): Promise<Response> {
  return fetch(`${url}/v1/chat/completions/streams/${id}`, {
    headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
  });
}

async function cutAndResume(resumeAt: (id: string, last: string | undefined) => Promise<Response>) {
  const response = await post(proxy.url, { 'x-gateway-resumable': 'true' });
  expect(response.status).toBe(200);
  const id = response.headers.get('x-gateway-stream-id') ?? '';
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const before = await readThenCut(response, 5);
  const last = before.at(-1)?.id;
  const after = await resumeAt(id, last);
  expect(after.status).toBe(200);
  expect(after.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const rest = await readAll(after);
  const events = [...before, ...rest];
  const ids = events.filter((e) => e.data !== '[DONE]').map((e) => Number(e.id));
  // Every event once, in order, ids without a gap; the end marker last.
  expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  expect(events.at(-1)?.data).toBe('[DONE]');
  expect(events.map(contentOf).join('')).toBe(CONTENT);
  expect(first.sim.stats.chatRequests).toBe(1);
  expect(first.sim.stats.closedEarly).toBe(0);
}

describe('REST resumable streams', () => {
  it('a cut after the 5th chunk continues with Last-Event-ID: every chunk once, one upstream call', async () => {
    await cutAndResume((id, last) => resume(proxy.url, id, last));
  });

  it('the same when the resume lands on a second instance sharing Redis', async () => {
    await cutAndResume((id, last) => resume(second.url, id, last));
  });

  it('without the header the bytes are unchanged (no id lines) and a disconnect closes the upstream within 1 s', async () => {
    const controller = new AbortController();
    const response = await post(first.url, {}, controller.signal);
    expect(response.headers.get('x-gateway-stream-id')).toBeNull();
    const reader = response.body?.getReader();
    const firstBytes = new TextDecoder().decode((await reader?.read())?.value);
    expect(firstBytes).toMatch(/^data: /);
    expect(firstBytes).not.toMatch(/^id: /m);
    controller.abort();
    await first.sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('a drop with no reconnect keeps the upstream for the grace period, then closes it', async () => {
    const response = await post(proxy.url, { 'x-gateway-resumable': 'true' });
    await readThenCut(response, 2);
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.sim.stats.closedEarly).toBe(0);
    expect(first.sim.stats.active).toBe(1);
    await first.sim.waitFor((s) => s.closedEarly === 1, 2000);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(350);
  });

  it('a resume after the keep time, or of an unknown id, is 410 stream_expired at once', async () => {
    first.sim.configure({ chunkDelayMs: 0 });
    const response = await post(first.url, { 'x-gateway-resumable': 'true' });
    const id = response.headers.get('x-gateway-stream-id') ?? '';
    await readAll(response);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const url of [first.url, second.url]) {
      const started = Date.now();
      const late = await resume(url, id, '3');
      expect(late.status).toBe(410);
      expect(((await late.json()) as { error: { code: string } }).error.code).toBe('stream_expired');
      expect(Date.now() - started).toBeLessThan(500);
    }
    const unknown = await resume(first.url, randomUUID(), undefined);
    expect(unknown.status).toBe(410);
  });
});
