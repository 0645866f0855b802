// `pnpm --filter @llm-gateway/bench run loop-delay`: at N concurrent streams, how long each target's event
// loop is held up (perf_hooks' monitorEventLoopDelay in the target process) beside its TTFC, total time
// and CPU per chunk, for the thin proxy, the relay floor and the gateway, interleaved.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { uniqueChatBody } from '../chat-bodies.js';
import { installExitHooks, stopAllChildren } from '../child-registry.js';
import { say } from '../log.js';
import { rotate } from '../per-rep.js';
import { median } from '../percentiles.js';
import { readCpuSeconds } from '../proc-cpu.js';
import { sleep } from '../sleep.js';
import { startGateway } from '../start-gateway.js';
import { SIM_DEFAULTS, startSim } from '../start-sim.js';
import { startRelayFloor, startThinProxy } from '../start-thin-proxy.js';
import { runStreamLoad } from '../stream-load.js';

const WINDOW_MS = 4_000;

interface LoopDelay {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** The preload, told where to write its readings (the child's tmpdir need not be ours). */
const preloadUrl = (out: string): string =>
  `${new URL('./loop-delay-preload.mjs', import.meta.url).href}?out=${encodeURIComponent(out)}`;

/** The histogram since the previous call (the preload writes it on SIGUSR2 and starts a new one). */
async function loopDelay(pid: number, out: string): Promise<LoopDelay> {
  const file = join(out, `loop-delay-${pid}.json`);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 5_000; waited += 50) {
    await sleep(50);
    if (!existsSync(file)) continue;
    try {
      const reading = JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
      rmSync(file, { force: true });
      return reading;
    } catch {
      // Not all written yet.
    }
  }
  throw new Error(`no event-loop reading from process ${pid}`);
}

interface Row {
  ttfcMs: number;
  totalMs: number;
  cpuPerChunkUs: number;
  /** CPU seconds per second of the window: near 1, the single-threaded process is saturated. */
  cores: number;
  delay: LoopDelay;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { streams: { type: 'string', default: '500' }, reps: { type: 'string', default: '3' } },
  });
  const concurrency = Number(values.streams);
  const reps = Number(values.reps);
  installExitHooks();
  const logDir = mkdtempSync(join(tmpdir(), 'loop-delay-'));
  try {
    const sim = await startSim(logDir);
    await sim.configure({ ...SIM_DEFAULTS, chunks: 30, chunkDelayMs: 10 });
    const nodeArgs = ['--import', preloadUrl(logDir)];
    const proxy = await startThinProxy(sim.url, logDir, nodeArgs);
    const floor = await startRelayFloor(sim.url, logDir, { nodeArgs });
    const gateway = await startGateway({ name: 'gateway', upstreamUrl: sim.url, logDir, nodeArgs });
    const targets = [
      { name: 'thin proxy', url: proxy.url, pid: proxy.service.pid },
      { name: 'relay floor', url: floor.url, pid: floor.service.pid },
      { name: 'gateway', url: gateway.url, pid: gateway.service.pid },
    ];
    const rows = new Map<string, Row[]>();
    for (let rep = 0; rep < reps; rep++) {
      for (const target of rotate(targets, rep)) {
        let cpuBefore = Number.NaN;
        const run = await runStreamLoad({
          baseUrl: target.url,
          concurrency,
          durationMs: WINDOW_MS,
          body: () => uniqueChatBody(true),
          onWindowStart: async () => {
            await loopDelay(target.pid, logDir);
            cpuBefore = readCpuSeconds(target.pid);
          },
        });
        const cpuSeconds = readCpuSeconds(target.pid) - cpuBefore;
        const row: Row = {
          ttfcMs: run.ttfcUs.p50 / 1000,
          totalMs: run.totalUs.p50 / 1000,
          cpuPerChunkUs: (cpuSeconds * 1e6) / run.chunks,
          cores: cpuSeconds / run.windowS,
          delay: await loopDelay(target.pid, logDir),
        };
        rows.set(target.name, [...(rows.get(target.name) ?? []), row]);
        say(
          `rep ${rep + 1} ${target.name}: TTFC p50 ${row.ttfcMs.toFixed(1)} ms, total ${row.totalMs.toFixed(1)} ms, ` +
            `${row.cpuPerChunkUs.toFixed(1)} µs CPU/chunk (${row.cores.toFixed(2)} cores), loop delay p50/p90/p99/max ` +
            `${[row.delay.p50Ms, row.delay.p90Ms, row.delay.p99Ms, row.delay.maxMs].map((v) => v.toFixed(1)).join(' / ')} ms`,
        );
      }
    }
    const med = (name: string, pick: (row: Row) => number, digits = 1) =>
      median((rows.get(name) ?? []).map(pick)).toFixed(digits);
    process.stdout.write(
      `\n${concurrency} streams, ${reps} repetitions, medians:\n\n` +
        '| target | TTFC p50 | total p50 | CPU per chunk (cores busy) | loop delay p50 / p90 / p99 / max |\n' +
        '| --- | --- | --- | --- | --- |\n',
    );
    for (const { name } of targets) {
      const delay = ['p50Ms', 'p90Ms', 'p99Ms', 'maxMs'] as const;
      process.stdout.write(
        `| ${name} | ${med(name, (r) => r.ttfcMs)} ms | ${med(name, (r) => r.totalMs)} ms | ` +
          `${med(name, (r) => r.cpuPerChunkUs)} µs (${med(name, (r) => r.cores, 2)}) | ${delay.map((k) => med(name, (r) => r.delay[k])).join(' / ')} ms |\n`,
      );
    }
  } finally {
    await stopAllChildren();
    rmSync(logDir, { recursive: true, force: true });
  }
}

await main();
