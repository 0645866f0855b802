// Stream deadlines against the upstream simulator: a stalled or endless stream is cut and its connection closed.
import { type GatewayError, isGatewayError } from '@llm-gateway/contracts';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamClient, type UpstreamClientOptions } from './upstream-client.js';
import type { UpstreamStream } from './upstream-stream.js';

let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim();
});
afterAll(async () => sim.close());
afterEach(() => sim.reset());

const body = { model: 'sim/model', stream: true, messages: [{ role: 'user', content: 'deadlines' }] };

function client(limits: Pick<UpstreamClientOptions, 'streamIdleTimeoutMs' | 'streamMaxDurationMs'>) {
  return createUpstreamClient({ baseUrl: sim.baseUrl, timeoutMs: 5000, ...limits });
}

/** Reads the stream to its end; returns how many chunks arrived and the error it ended with, if any. */
async function read(stream: UpstreamStream): Promise<{ count: number; error?: GatewayError }> {
  let count = 0;
  const outcome = (error?: unknown): { count: number; error?: GatewayError } => {
    if (error === undefined) return { count };
    if (!isGatewayError(error)) throw error;
    return { count, error };
  };
  try {
    if ((await stream.first()) === undefined) return { count };
    count += 1;
  } catch (error) {
    return outcome(error);
  }
  return new Promise((resolve, reject) => {
    stream.start({
      event: () => {
        count += 1;
      },
      end: () => resolve(outcome()),
      fail: (error) => {
        try {
          resolve(outcome(error));
        } catch (unexpected) {
          reject(unexpected);
        }
      },
    });
  });
}

describe('stream idle timeout', () => {
  it('cuts a stream that stalls mid-way with upstream_timeout and closes the upstream connection', async () => {
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 2 });
    const started = performance.now();
    const result = await read(await client({ streamIdleTimeoutMs: 200 }).openStream(body));
    const elapsed = performance.now() - started;
    expect(result.count).toBe(3); // the role chunk and two content chunks
    expect(result.error?.code).toBe('upstream_timeout');
    expect(result.error?.message).toBe('The upstream sent nothing for 0.2 s mid-stream.');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
  });

  it('lets a slow but steady stream finish', async () => {
    sim.configure({ chunks: 6, chunkDelayMs: 100 });
    const result = await read(await client({ streamIdleTimeoutMs: 300 }).openStream(body));
    expect(result.error).toBeUndefined();
    expect(sim.stats.closedEarly).toBe(0);
  });

  it('still reports a caller who leaves as client_closed_request', async () => {
    sim.enqueue({ kind: 'hang-mid-stream', afterChunks: 1 });
    const controller = new AbortController();
    const chunks = await client({ streamIdleTimeoutMs: 5000 }).openStream(body, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect((await read(chunks)).error?.code).toBe('client_closed_request');
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
  });
});

describe('stream maximum duration', () => {
  it('cuts a stream that runs too long, though chunks keep coming', async () => {
    sim.configure({ chunks: 40, chunkDelayMs: 50 });
    const result = await read(
      await client({ streamIdleTimeoutMs: 1000, streamMaxDurationMs: 300 }).openStream(body),
    );
    expect(result.error?.code).toBe('upstream_timeout');
    expect(result.error?.message).toBe("The stream exceeded the gateway's maximum duration of 0.3 s.");
    expect(result.count).toBeGreaterThan(2);
    expect(result.count).toBeLessThan(20);
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0);
  });
});
