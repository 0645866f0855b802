// The dispatch handler's own promises, against a raw node:http upstream: bounded error bodies, headers, waits for a connection.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamClient } from './upstream-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
let pool: Pool | undefined;

async function upstream(
  handler: Handler,
): Promise<{ baseUrl: string; requests: () => number; closed: () => number }> {
  let requests = 0;
  let closed = 0;
  server = createServer((req, res) => {
    requests += 1;
    handler(req, res);
  });
  server.on('connection', (socket) => socket.on('close', () => (closed += 1)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests: () => requests, closed: () => closed };
}

afterEach(async () => {
  await pool?.destroy();
  server?.closeAllConnections();
  server?.close();
  pool = undefined;
  server = undefined;
});

const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('an exchange through the dispatch handler', () => {
  it('reads only the start of an endless error body, answers with its message, and closes that connection', async () => {
    const sim = await upstream((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.write('{"error":{"message":"too long a prompt","param":"messages"}}');
      // Padding without end: the client must stop on its own, not wait for a timeout.
      const pad = () => {
        if (res.write(' '.repeat(16 * 1024))) setImmediate(pad);
        else res.once('drain', pad);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pad();
    });
    const client = createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    const started = Date.now();
    await expect(client.complete(body)).rejects.toMatchObject({
      code: 'upstream_client_error',
      status: 400,
      upstreamStatus: 400,
      // Trailing whitespace is valid JSON: the bounded start still carries the message.
      message: 'too long a prompt',
      param: 'messages',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(sim.closed).toBeGreaterThan(0);
    expect(sim.requests()).toBe(1);
    await client.close();
  });

  it("reads the upstream's Retry-After from the raw headers", async () => {
    const sim = await upstream((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'Retry-After-Ms': '1500' });
      res.end('{"error":{"message":"slow down"}}');
    });
    const client = createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    await expect(client.complete(body)).rejects.toMatchObject({
      code: 'upstream_rate_limited',
      message: 'slow down',
      retryAfterMs: 1500,
    });
    await client.close();
  });

  it('fails at once when the caller leaves while the call still waits for a connection, and never sends it', async () => {
    const held: ServerResponse[] = [];
    const sim = await upstream((_req, res) => held.push(res));
    pool = new Pool(new URL(sim.baseUrl).origin, { connections: 1 });
    const client = createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 10_000, dispatcher: pool });
    const first = new AbortController();
    const occupying = client.complete(body, { signal: first.signal });
    await expect.poll(sim.requests).toBe(1);
    const second = new AbortController();
    const waiting = client.complete(body, { signal: second.signal });
    const started = Date.now();
    second.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(Date.now() - started).toBeLessThan(1_000);
    first.abort();
    await expect(occupying).rejects.toMatchObject({ code: 'client_closed_request' });
    // The queued request was dropped before it was written.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requests()).toBe(1);
  });

  it('times out a call that never got a connection, at its own deadline', async () => {
    const held: ServerResponse[] = [];
    const sim = await upstream((_req, res) => held.push(res));
    pool = new Pool(new URL(sim.baseUrl).origin, { connections: 1 });
    const slow = createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 10_000, dispatcher: pool });
    const occupying = slow.complete(body).catch((error: unknown) => error);
    await expect.poll(sim.requests).toBe(1);
    const quick = createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 200, dispatcher: pool });
    const started = Date.now();
    await expect(quick.complete(body)).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const res of held) res.destroy();
    await occupying;
  });
});
