// Scenario (d): concurrent SSE streams, time to first chunk and total stream time, direct vs proxy vs gateway.
import type { BenchPlan } from '../bench-plan.js';
import { uniqueChatBody } from '../chat-bodies.js';
import { say } from '../log.js';
import { difference, medianOf, medianPaired, ratio, rotate } from '../per-rep.js';
import type { StreamRow, StreamSample, StreamScenario } from '../result-types.js';
import { sleep } from '../sleep.js';
import type { Stack, TargetId } from '../stack.js';
import { SIM_DEFAULTS } from '../start-sim.js';
import { runStreamLoad } from '../stream-load.js';

export const STREAM_TARGETS: readonly TargetId[] = ['direct', 'proxy', 'gateway'];

export async function runStreamingScenario(plan: BenchPlan, stack: Stack): Promise<StreamScenario> {
  await stack.sim.configure({ chunks: plan.streamChunks, chunkDelayMs: plan.streamChunkDelayMs });
  const samples: StreamSample[] = [];
  try {
    for (const concurrency of plan.streamConcurrency) {
      for (let rep = 1; rep <= plan.reps; rep++) {
        for (const target of rotate(STREAM_TARGETS, rep - 1)) {
          const run = await runStreamLoad({
            baseUrl: stack.url(target),
            concurrency,
            durationMs: plan.streamWindowS * 1000,
            // Unique bodies: a cached stream would be replayed by the gateway, not proxied.
            body: () => uniqueChatBody(true),
          });
          samples.push({ target, rep, ...run });
          say(
            `(d) ${concurrency} streams rep ${rep} ${target}: ${run.streams} streams, TTFC p50 ` +
              `${(run.ttfcUs.p50 / 1000).toFixed(2)} ms, total p50 ${(run.totalUs.p50 / 1000).toFixed(1)} ms` +
              `${run.failed > 0 ? `, ${run.failed} FAILED` : ''}`,
          );
          await sleep(300);
        }
      }
    }
  } finally {
    await stack.sim.configure(SIM_DEFAULTS);
  }
  const rows: StreamRow[] = [];
  for (const concurrency of plan.streamConcurrency) {
    const at = samples.filter((s) => s.concurrency === concurrency);
    for (const target of STREAM_TARGETS) {
      const mine = at.filter((s) => s.target === target);
      rows.push({
        target,
        concurrency,
        streams: mine.reduce((sum, s) => sum + s.streams, 0),
        failed: mine.reduce((sum, s) => sum + s.failed, 0),
        ttfcP50Us: medianOf(at, target, (s) => s.ttfcUs.p50),
        ttfcP99Us: medianOf(at, target, (s) => s.ttfcUs.p99),
        totalP50Us: medianOf(at, target, (s) => s.totalUs.p50),
        totalP99Us: medianOf(at, target, (s) => s.totalUs.p99),
        addedTtfcP50Us: medianPaired(at, {
          target,
          base: 'direct',
          pick: (s) => s.ttfcUs.p50,
          combine: difference,
        }),
        totalVsDirect: medianPaired(at, {
          target,
          base: 'direct',
          pick: (s) => s.totalUs.p50,
          combine: ratio,
        }),
        overProxyTtfcP50Us: medianPaired(at, {
          target,
          base: 'proxy',
          pick: (s) => s.ttfcUs.p50,
          combine: difference,
        }),
        totalVsProxy: medianPaired(at, { target, base: 'proxy', pick: (s) => s.totalUs.p50, combine: ratio }),
      });
    }
  }
  return {
    chunks: plan.streamChunks,
    chunkDelayMs: plan.streamChunkDelayMs,
    windowS: plan.streamWindowS,
    samples,
    rows,
  };
}
