// Measures what recording a stream for resumption costs per chunk: none, memory, memory + Redis (a real redis-server).
// Run: cd packages/core && ../../bench/node_modules/.bin/tsx --conditions=@llm-gateway/source scripts/journal-cost.ts
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer } from '@llm-gateway/test-support';
import { Redis } from 'ioredis';
import { createRedisJournal } from '../src/resume/redis-journal.js';
import { createResumableStreams, type ResumableStreams } from '../src/resume/resumable-streams.js';
import { manualStream } from '../src/resume/resume-test-stream.js';

const STREAMS = 200;
const CHUNKS = 100;
/** 100 chunks/s per stream, as the benchmark's streaming targets (500 streams × 100 chunks/s). */
const TICK_MS = 10;

type Mode = 'none' | 'memory' | 'redis';

async function run(
  mode: Mode,
  streams: ResumableStreams | undefined,
): Promise<{ cpuUs: number; heap: number }> {
  const feeds = Array.from({ length: STREAMS }, () => manualStream());
  for (const feed of feeds) {
    if (streams === undefined) {
      feed.stream.pipe({ event: () => {}, end: () => {}, fail: () => {} });
      continue;
    }
    const id = `${mode}-${randomUUID()}`;
    streams.start({ id, owner: '', stream: feed.stream });
    // One reader per stream, as a connected client.
    await streams.attach({ id, owner: '', afterSeq: 0 }, { entry: () => {}, end: () => {} });
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  for (let tick = 0; tick < CHUNKS; tick += 1) {
    for (const feed of feeds) feed.push(`token ${tick} of a longer answer`);
    await sleep(TICK_MS);
  }
  const cpu = process.cpuUsage(cpuBefore);
  global.gc?.();
  const heap = process.memoryUsage().heapUsed - heapBefore;
  for (const feed of feeds) feed.end();
  await sleep(100);
  return { cpuUs: cpu.user + cpu.system, heap };
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  try {
    const events = STREAMS * CHUNKS;
    const modes: Array<[Mode, () => ResumableStreams | undefined]> = [
      ['none', () => undefined],
      ['memory', () => createResumableStreams({ ttlMs: 60_000, graceMs: 15_000 })],
      [
        'redis',
        () =>
          createResumableStreams({
            ttlMs: 60_000,
            graceMs: 15_000,
            redis: createRedisJournal({
              redis,
              keyPrefix: `bench:${randomUUID()}:`,
              ttlMs: 60_000,
              flushMs: Number(process.env.FLUSH_MS ?? 100),
            }),
          }),
      ],
    ];
    const results: Record<Mode, { cpuUs: number; heap: number }[]> = { none: [], memory: [], redis: [] };
    for (let rep = 0; rep < 3; rep += 1) {
      for (const [mode, make] of modes) {
        const streams = make();
        results[mode].push(await run(mode, streams));
        streams?.close();
      }
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const base = median(results.none.map((r) => r.cpuUs));
    console.log(`${STREAMS} streams × ${CHUNKS} chunks at ${1000 / TICK_MS} chunks/s each; median of 3`);
    for (const mode of ['none', 'memory', 'redis'] as const) {
      const cpu = median(results[mode].map((r) => r.cpuUs));
      const heap = median(results[mode].map((r) => r.heap));
      console.log(
        `${mode.padEnd(7)} CPU ${(cpu / events).toFixed(2)} µs/chunk (+${((cpu - base) / events).toFixed(2)} over none)` +
          `, heap +${Math.round(heap / events)} B/chunk`,
      );
    }
  } finally {
    await redis.quit();
    await server.stop();
  }
}

await main();
