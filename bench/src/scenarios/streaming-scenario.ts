// Scenario (d): concurrent SSE streams (TTFC, total time, CPU per chunk), direct vs proxy vs gateway.
import type { BenchPlan } from '../bench-plan.js';
import { say } from '../log.js';
import { rotate } from '../per-rep.js';
import type { StreamSample, StreamScenario } from '../result-types.js';
import { sleep } from '../sleep.js';
import type { Stack } from '../stack.js';
import { SIM_DEFAULTS } from '../start-sim.js';
import { measureStreams, type StreamRunSpec } from './measure-streams.js';
import { SHARED_MODES, STREAM_TARGETS, streamRows } from './stream-rows.js';

type RunKind = Pick<StreamRunSpec, 'target' | 'mode'>;

const ORDINARY: readonly RunKind[] = STREAM_TARGETS.map((target) => ({ target, mode: 'unique' }));
const SHARED: readonly RunKind[] = SHARED_MODES.map((mode) => ({ target: 'gateway', mode }));

function describe(sample: StreamSample): string {
  const ms = (us: number, digits: number): string => (us / 1000).toFixed(digits);
  const upstream =
    sample.mode === 'unique'
      ? ''
      : `, ${sample.upstreamStreams} upstream stream(s)${sample.waves === undefined ? '' : ` for ${sample.waves} wave(s)`}` +
        (sample.cacheProbe === undefined ? '' : ` (primed: ${sample.cacheProbe})`);
  return (
    `(d) ${sample.concurrency} streams rep ${sample.rep} ${sample.target}` +
    `${sample.mode === 'unique' ? '' : ` ${sample.mode}`}: ${sample.streams} streams, TTFC p50 ` +
    `${ms(sample.ttfcUs.p50, 2)} ms, total p50 ${ms(sample.totalUs.p50, 1)} ms, ` +
    `${sample.cpuPerChunkUs.toFixed(2)} µs CPU/chunk${upstream}` +
    `${sample.failed > 0 ? `, ${sample.failed} FAILED` : ''}`
  );
}

export async function runStreamingScenario(plan: BenchPlan, stack: Stack): Promise<StreamScenario> {
  await stack.sim.configure({ chunks: plan.streamChunks, chunkDelayMs: plan.streamChunkDelayMs });
  const samples: StreamSample[] = [];
  try {
    for (const concurrency of plan.streamConcurrency) {
      // The shared runs join the rotation of their concurrency, so each repetition has its own baselines.
      const kinds = concurrency === plan.sharedStreamConcurrency ? [...ORDINARY, ...SHARED] : ORDINARY;
      for (let rep = 1; rep <= plan.reps; rep++) {
        for (const kind of rotate(kinds, rep - 1)) {
          const sample = await measureStreams(stack, {
            ...kind,
            concurrency,
            rep,
            durationMs: plan.streamWindowS * 1000,
          });
          samples.push(sample);
          say(describe(sample));
          await sleep(300);
        }
      }
    }
  } finally {
    await stack.sim.configure(SIM_DEFAULTS);
  }
  return {
    chunks: plan.streamChunks,
    chunkDelayMs: plan.streamChunkDelayMs,
    windowS: plan.streamWindowS,
    sharedConcurrency: plan.sharedStreamConcurrency,
    samples,
    rows: streamRows(samples, plan.streamConcurrency),
  };
}
