// `pnpm --filter @llm-gateway/bench run stream-heap`: what one open stream keeps alive in the gateway's
// heap and in the thin proxy's (objects and bytes), from two heap snapshots of each process.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { uniqueChatBody } from '../chat-bodies.js';
import { installExitHooks, stopAllChildren } from '../child-registry.js';
import { say } from '../log.js';
import { oneStream } from '../one-stream.js';
import { sleep } from '../sleep.js';
import { startGateway } from '../start-gateway.js';
import { SIM_CONTENT, startSim } from '../start-sim.js';
import { startThinProxy } from '../start-thin-proxy.js';
import { runStreamLoad } from '../stream-load.js';
import { type HeapTotals, snapshotTotals } from './snapshot-totals.js';

const CHUNKS = 30;
/** Slow enough that every stream is still open, some 20 chunks in, when the second snapshot is taken. */
const HELD_CHUNK_DELAY_MS = 200;
const HELD_FOR_MS = 3_800;
const SNAPSHOT_TIMEOUT_MS = 60_000;

/** Asks the process for a snapshot (it was started with --heapsnapshot-signal) and waits for the file. */
async function snapshot(pid: number, dir: string): Promise<HeapTotals> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(250);
    const file = readdirSync(dir).find((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
    if (file === undefined) continue;
    // The file appears before V8 has written it; it is done once it holds still and parses.
    const path = join(dir, file);
    const size = statSync(path).size;
    await sleep(1_000);
    if (size === 0 || statSync(path).size !== size) continue;
    try {
      return snapshotTotals(path);
    } catch {
      // Not all written yet.
    }
  }
  throw new Error(`no heap snapshot from process ${pid} within ${SNAPSHOT_TIMEOUT_MS / 1000} s`);
}

/**
 * Per open stream: the difference between a snapshot with `count` streams open and one just before,
 * on the same kept-alive connections (so sockets and parsers are in both and only the streams differ).
 */
async function perStream(
  target: { url: string; pid: number },
  sim: Awaited<ReturnType<typeof startSim>>,
  { count, dir }: { count: number; dir: string },
): Promise<HeapTotals> {
  await sim.configure({ content: SIM_CONTENT, chunks: CHUNKS, chunkDelayMs: 5, latencyMs: 0 });
  await runStreamLoad({
    baseUrl: target.url,
    concurrency: 50,
    durationMs: 3_000,
    body: () => uniqueChatBody(true),
  });
  const pool = new Pool(target.url, { connections: count, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    for (let round = 0; round < 2; round++)
      await Promise.all(Array.from({ length: count }, () => oneStream(pool, uniqueChatBody(true))));
    const idle = await snapshot(target.pid, dir);
    await sim.configure({ chunkDelayMs: HELD_CHUNK_DELAY_MS });
    const streams = Array.from({ length: count }, () => oneStream(pool, uniqueChatBody(true)));
    await sleep(HELD_FOR_MS);
    const busy = await snapshot(target.pid, dir);
    const ended = await Promise.all(streams);
    const failed = ended.filter((stream) => !stream.ok).length;
    if (failed > 0) throw new Error(`${failed} of ${count} held streams failed`);
    return { objects: (busy.objects - idle.objects) / count, bytes: (busy.bytes - idle.bytes) / count };
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { streams: { type: 'string', default: '200' } } });
  const count = Number(values.streams);
  installExitHooks();
  const logDir = mkdtempSync(join(tmpdir(), 'stream-heap-'));
  const flags = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${logDir}`];
  try {
    const sim = await startSim(logDir);
    const proxy = await startThinProxy(sim.url, logDir, flags);
    const gateway = await startGateway({ name: 'gateway', upstreamUrl: sim.url, logDir, nodeArgs: flags });
    const rows: Array<[string, HeapTotals]> = [];
    for (const [name, target] of [
      ['thin proxy', { url: proxy.url, pid: proxy.service.pid }],
      ['gateway (memory cache)', { url: gateway.url, pid: gateway.service.pid }],
    ] as const) {
      rows.push([name, await perStream(target, sim, { count, dir: logDir })]);
    }
    say(
      `live heap per open stream (${count} streams, ~${Math.round(HELD_FOR_MS / HELD_CHUNK_DELAY_MS)} of ${CHUNKS} chunks in):`,
    );
    for (const [name, totals] of rows)
      say(`  ${name}: ${totals.objects.toFixed(0)} objects, ${(totals.bytes / 1024).toFixed(1)} KB`);
  } finally {
    await stopAllChildren();
    rmSync(logDir, { recursive: true, force: true });
  }
}

await main();
