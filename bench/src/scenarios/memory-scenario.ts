// Scenario (e): a fresh gateway's RSS with many streams held open, and its RSS growth over many requests.
import type { BenchPlan } from '../bench-plan.js';
import { uniqueChatBody } from '../chat-bodies.js';
import { readGatewayHeap } from '../gateway-heap.js';
import { say } from '../log.js';
import { median } from '../percentiles.js';
import { readRssMb } from '../proc-rss.js';
import type { MemoryScenario } from '../result-types.js';
import { runThroughput, type ThroughputRun } from '../run-autocannon.js';
import { sleep } from '../sleep.js';
import type { Stack } from '../stack.js';
import { startGateway } from '../start-gateway.js';
import { SIM_DEFAULTS } from '../start-sim.js';
import { holdStreams } from '../stream-load.js';

/** Chunk spacing while streams are held: they must outlive the measurement by far. */
const HOLD_CHUNK_DELAY_MS = 1_000;
const HOLD_CHUNKS = 60;
const HOLD_OPEN_TIMEOUT_MS = 30_000;

/** RSS read every 100 ms while `work` runs. */
async function sampleRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; samples: number[] }> {
  const samples: number[] = [readRssMb(pid)];
  const timer = setInterval(() => samples.push(readRssMb(pid)), 100);
  try {
    return { result: await work(), samples };
  } finally {
    clearInterval(timer);
  }
}

/** Two consecutive runs counted as one phase: counts added, the rate over both (latencies: the second's). */
function joined(lead: ThroughputRun, last: ThroughputRun): ThroughputRun {
  const ok = lead.ok + last.ok;
  const durationS = lead.durationS + last.durationS;
  return {
    ...last,
    ok,
    rps: durationS > 0 ? ok / durationS : last.rps,
    non2xx: lead.non2xx + last.non2xx,
    errors: lead.errors + last.errors,
    durationS,
  };
}

/** RSS settles for a moment after load stops; take the median of a few readings. */
async function settledRssMb(pid: number): Promise<number> {
  await sleep(1_000);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(readRssMb(pid));
    await sleep(200);
  }
  return median(readings);
}

export async function runMemoryScenario(plan: BenchPlan, stack: Stack): Promise<MemoryScenario> {
  // Its own gateway, so (e) measures the same thing whether or not (a)–(d) ran before it.
  const gateway = await startGateway({
    name: 'gateway-memory-e',
    upstreamUrl: stack.sim.url,
    logDir: stack.logDir,
  });
  const pid = gateway.service.pid;
  try {
    await runThroughput({
      baseUrl: gateway.url,
      connections: 10,
      amount: 500,
      body: () => uniqueChatBody(false),
    });
    const idleRssMb = await settledRssMb(pid);
    say(`(e) gateway pid ${pid} idle RSS after 500 requests: ${idleRssMb.toFixed(1)} MB`);

    await stack.sim.configure({ chunks: HOLD_CHUNKS, chunkDelayMs: HOLD_CHUNK_DELAY_MS });
    let held: MemoryScenario['held'];
    try {
      const streams = await holdStreams({
        baseUrl: gateway.url,
        count: plan.heldStreams,
        body: () => uniqueChatBody(true),
        timeoutMs: HOLD_OPEN_TIMEOUT_MS,
      });
      const readings: number[] = [];
      for (let i = 0; i < 5; i++) {
        readings.push(readRssMb(pid));
        await sleep(200);
      }
      const rssMb = Math.max(...readings);
      await streams.close();
      // The gateway must close its upstream streams once its clients are gone.
      let upstreamStillOpen = await stack.sim.activeResponses();
      for (let i = 0; i < 50 && upstreamStillOpen > 0; i++) {
        await sleep(100);
        upstreamStillOpen = await stack.sim.activeResponses();
      }
      held = {
        requested: plan.heldStreams,
        opened: streams.opened,
        failed: streams.failed,
        failures: streams.failures,
        rssMb,
        upstreamStillOpen,
      };
      say(
        `(e) ${streams.opened}/${plan.heldStreams} streams open: RSS ${rssMb.toFixed(1)} MB; ` +
          `upstream streams still open 5 s after the clients left: ${upstreamStillOpen}` +
          (streams.failed > 0 ? `; failures: ${JSON.stringify(streams.failures)}` : ''),
      );
    } finally {
      await stack.sim.configure(SIM_DEFAULTS);
    }

    const body = () => uniqueChatBody(false);
    // A phase is served in two runs (the lead, then the sampled window); together they keep its time cap.
    const serve = (amount: number, phase: number) =>
      runThroughput({
        baseUrl: gateway.url,
        connections: plan.connections,
        amount,
        maxDurationS: (plan.growthMaxS * amount) / phase,
        body,
      });
    const window = plan.growthWindowRequests;
    // Each reading is the median RSS over the last `window` requests of its phase: one snapshot lands
    // anywhere in a GC cycle (±15% between runs), the median of ~100 does not.
    const warmLead = await serve(plan.growthWarmupRequests - window, plan.growthWarmupRequests);
    const warmWindow = await sampleRss(pid, () => serve(window, plan.growthWarmupRequests));
    const rssAfterWarmupMb = median(warmWindow.samples);
    const heapAfterWarmup = await readGatewayHeap(gateway.url);
    const warm = joined(warmLead, warmWindow.result);
    say(
      `(e) RSS over the last ${window} of ${warm.ok} warm-up requests: ${rssAfterWarmupMb.toFixed(1)} MB ` +
        `(V8 heap ${heapAfterWarmup.totalMb.toFixed(1)} MB, ${heapAfterWarmup.usedMb.toFixed(1)} MB used)`,
    );
    const runLead = await serve(plan.growthRequests - window, plan.growthRequests);
    const runWindow = await sampleRss(pid, () => serve(window, plan.growthRequests));
    const rssAfterMb = median(runWindow.samples);
    const heapAfter = await readGatewayHeap(gateway.url);
    const run = joined(runLead, runWindow.result);
    const growthPct = ((rssAfterMb - rssAfterWarmupMb) / rssAfterWarmupMb) * 100;
    say(
      `(e) RSS over the last ${window} of ${run.ok} more: ${rssAfterMb.toFixed(1)} MB (${growthPct.toFixed(1)}%; ` +
        `V8 heap ${heapAfter.totalMb.toFixed(1)} MB, ${heapAfter.usedMb.toFixed(1)} MB used)`,
    );
    return {
      idleRssMb,
      held,
      growth: {
        warmupRequests: warm.ok,
        requests: run.ok,
        plannedRequests: plan.growthRequests,
        windowRequests: window,
        rssAfterWarmupMb,
        rssAfterMb,
        growthPct,
        heapAfterWarmupMb: heapAfterWarmup.totalMb,
        heapAfterMb: heapAfter.totalMb,
        rps: run.rps,
        non2xx: warm.non2xx + run.non2xx,
        errors: warm.errors + run.errors,
      },
    };
  } finally {
    await gateway.service.stop();
  }
}
