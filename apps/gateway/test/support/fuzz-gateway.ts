// The fuzz tests' shared set-up: keys and limits, the built gateway in a child process, reporting and replay.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedGateway, spawnGateway } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import type fc from 'fast-check';
import { expect } from 'vitest';

export const UPSTREAM_KEY = 'sk-upstream-fuzz-5b2e8c1d9a73';
export const CLIENT_KEY = 'gw-fuzz-client-3c9d41e7f2a8';
/** Small, so that the 413 path is cheap to reach. */
export const BODY_LIMIT = 16_384;
/** Requests in flight at once: each property run sends one batch of this size concurrently. */
export const CONCURRENCY = 8;
export const REQUEST_TIMEOUT_MS = 10_000;

/** The gateway under fuzz, its simulator, and the client side's keep-alive agent. */
export interface FuzzGateway {
  sim: UpstreamSim;
  gateway: SpawnedGateway;
  /** The gateway's port on 127.0.0.1. */
  port: number;
  /** Keep-alive sockets, CONCURRENCY at most: each property run sends one batch over them. */
  agent: Agent;
  /** Where the child writes its heap snapshot (see liveHeapOf). */
  heapDir: string;
  /** Destroys the agent, kills the child, closes the simulator and removes heapDir. */
  close(): Promise<void>;
}

/** Starts the simulator and the built gateway (API keys on, no cache, no rate limit, a small body limit). */
export async function startFuzzGateway(): Promise<FuzzGateway> {
  const heapDir = mkdtempSync(join(tmpdir(), 'gateway-heap-'));
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let sim: UpstreamSim | undefined;
  let gateway: SpawnedGateway | undefined;
  const close = async () => {
    agent.destroy();
    await gateway?.stop('SIGKILL');
    await sim?.close();
    rmSync(heapDir, { recursive: true, force: true });
  };
  try {
    sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY, record: false });
    // LOG_LEVEL stays info: spawnGateway waits for Fastify's info-level "Server listening" line.
    gateway = await spawnGateway({
      PROXYAPI_API_KEY: UPSTREAM_KEY,
      OPENROUTER_BASE_URL: sim.baseUrl,
      GATEWAY_API_KEYS: CLIENT_KEY,
      CACHE_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${heapDir}`,
    });
    return { sim, gateway, port: Number(new URL(gateway.url).port), agent, heapDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * fast-check's own report prints every value of the failing batch in full (bodies of 30 KB); this
 * one gives the seed to replay (FUZZ_SEED, FUZZ_PATH) and the failing request, shortened.
 */
export function report<Ts>(details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `Property failed after ${details.numRuns} runs; replay with FUZZ_SEED=${details.seed} (add FUZZ_PATH=${details.counterexamplePath} to send only the failing batch)\n${cause}`,
  );
}

/** Replays a reported failure; otherwise every run draws a new seed (printed on failure). */
export const replay = (): { seed?: number; path?: string } => {
  const seed = process.env.FUZZ_SEED;
  const path = process.env.FUZZ_PATH;
  return { ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
};

/** The child still runs, and still answers /health and a chat request. */
export async function expectStillUp(gateway: SpawnedGateway): Promise<void> {
  expect(gateway.process.exitCode).toBeNull();
  expect(gateway.process.signalCode).toBeNull();
  const health = await fetch(`${gateway.url}/health`);
  expect(health.status).toBe(200);
  const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'still there?' }] }),
  });
  expect(chat.status).toBe(200);
}
