// Graceful shutdown of the built gateway: streams finish, new connections are refused, the deadline ends the rest.
import { type SpawnedGateway, spawnGateway, sseDataLines, streamedContent } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, UPSTREAM_KEY } from './support/start-gateway.js';

let sim: UpstreamSim;
let gateway: SpawnedGateway | undefined;

beforeEach(async () => {
  sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY });
});
afterEach(async () => {
  await gateway?.stop('SIGKILL');
  gateway = undefined;
  await sim.close();
});

function start(env: Record<string, string>): Promise<SpawnedGateway> {
  return spawnGateway({ PROXYAPI_API_KEY: UPSTREAM_KEY, OPENROUTER_BASE_URL: sim.baseUrl, ...env });
}

/** Opens a stream and resolves once its first bytes arrived; `rest` is the remaining text. */
async function openStream(url: string, content: string): Promise<{ first: string; rest: Promise<string> }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, messages: [{ role: 'user', content }] }),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const firstRead = await reader.read();
  const first = decoder.decode(firstRead.value);
  const rest = (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { first, rest };
}

function exitCode(child: SpawnedGateway): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) resolve(child.process.exitCode);
    else child.process.once('exit', (code) => resolve(code));
  });
}

/** The text of the stream's chunks: every `data:` payload that is a JSON object. */
const textOf = (sse: string) =>
  streamedContent(
    sseDataLines(sse)
      .filter((data) => /^\{.*\}$/.test(data))
      .map((data) => JSON.parse(data) as Record<string, unknown>),
  );

describe('SIGTERM', () => {
  it('lets an open stream finish, refuses new connections, and exits 0', async () => {
    sim.configure({ chunks: 10, chunkDelayMs: 100 });
    gateway = await start({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const child = gateway;
    const stream = await openStream(child.url, 'finish me');
    child.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 150));

    const refused = await fetch(`${child.url}/health`).then(
      () => 'answered',
      (error: Error) => String((error.cause as { code?: string } | undefined)?.code),
    );
    expect(refused).toBe('ECONNREFUSED');

    const body = stream.first + (await stream.rest);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(textOf(body)).toBe('Simulated answer to: finish me');
    expect(await exitCode(child)).toBe(0);
    expect(child.output.some((line) => line.includes('Shutdown complete'))).toBe(true);
  });

  it('ends a stream still open at the deadline with a shutting_down event, closes the upstream, exits 0', async () => {
    sim.configure({ chunks: 50, chunkDelayMs: 200 });
    gateway = await start({ SHUTDOWN_TIMEOUT_MS: '500' });
    const child = gateway;
    const stream = await openStream(child.url, 'too long');
    const signalled = performance.now();
    child.process.kill('SIGTERM');

    const body = stream.first + (await stream.rest);
    expect(performance.now() - signalled).toBeLessThan(3000);
    expect(body).toMatch(
      /^data: \{"error":\{"message":"The gateway is shutting down; retry the request\.","type":"service_unavailable","param":null,"code":"shutting_down"\}\}$/m,
    );
    expect(body).not.toContain('[DONE]');
    expect(await exitCode(child)).toBe(0);
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 2000);
  });

  it('exits at once on a second signal', async () => {
    sim.configure({ chunks: 50, chunkDelayMs: 200 });
    gateway = await start({ SHUTDOWN_TIMEOUT_MS: '30000' });
    const child = gateway;
    const stream = await openStream(child.url, 'interrupted');
    // The connection dies with the process; only the exit matters here.
    const cut = stream.rest.catch(() => 'cut');
    child.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    expect(await exitCode(child)).toBe(1);
    expect(performance.now() - signalled).toBeLessThan(2000);
    expect(await cut).toBe('cut');
  });
});

describe('while shutting down', () => {
  it('answers requests on open connections with 503 shutting_down and Connection: close; /health still answers', async () => {
    let markShuttingDown = () => {};
    const gw = await startGateway({
      services: (services) => {
        markShuttingDown = () => services.readiness.markShuttingDown();
        return services;
      },
    });
    try {
      markShuttingDown();
      const response = await gw.post({ messages: [{ role: 'user', content: 'late' }] });
      expect(response.status).toBe(503);
      expect(response.headers.get('connection')).toBe('close');
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      expect((await fetch(`${gw.url}/health/ready`)).status).toBe(503);
      expect(gw.sim.stats.chatRequests).toBe(0);
    } finally {
      await gw.close();
    }
  });
});
