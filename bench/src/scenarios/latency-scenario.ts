// Scenario (b): added latency at fixed arrival rates (open loop), direct vs thin proxy vs gateway.
import type { BenchPlan } from '../bench-plan.js';
import { uniqueChatBody } from '../chat-bodies.js';
import { say } from '../log.js';
import { runOpenLoop } from '../open-loop.js';
import { difference, medianPaired, rotate } from '../per-rep.js';
import { median } from '../percentiles.js';
import { readCpuSeconds } from '../proc-cpu.js';
import type { LatencyRow, LatencySample, LatencyScenario } from '../result-types.js';
import { sleep } from '../sleep.js';
import type { Stack, TargetId } from '../stack.js';

export const LATENCY_TARGETS: readonly TargetId[] = ['direct', 'proxy', 'gateway'];

export async function runLatencyScenario(plan: BenchPlan, stack: Stack): Promise<LatencyScenario> {
  const samples: LatencySample[] = [];
  for (const rate of plan.rates) {
    for (let rep = 1; rep <= plan.reps; rep++) {
      for (const target of rotate(LATENCY_TARGETS, rep - 1)) {
        const pid = stack.pid(target);
        let cpuBefore = Number.NaN;
        const run = await runOpenLoop({
          baseUrl: stack.url(target),
          rate,
          durationMs: plan.latencyS * 1000,
          warmupMs: plan.latencyWarmupS * 1000,
          body: () => uniqueChatBody(false),
          onMeasureStart: () => {
            cpuBefore = readCpuSeconds(pid);
          },
        });
        const cpuPerRequestUs = ((readCpuSeconds(pid) - cpuBefore) * 1e6) / Math.max(1, run.ok);
        samples.push({ target, rep, ...run, cpuPerRequestUs });
        const state =
          run.saturatedBy.length > 0
            ? `SATURATED (${run.saturatedBy.join('; ')})`
            : `p50 ${(run.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(run.latencyUs.p99 / 1000).toFixed(2)} ms`;
        const cpu = `${cpuPerRequestUs.toFixed(0)} µs CPU/req`;
        say(`(b) ${rate}/s rep ${rep} ${target}: ${state}, ${cpu}`);
        await sleep(300);
      }
    }
  }
  const rows: LatencyRow[] = [];
  for (const rate of plan.rates) {
    const atRate = samples.filter((s) => s.rate === rate);
    // A saturated repetition has no meaningful latency: it is left out of every median and difference.
    const usable = atRate.filter((s) => s.saturatedBy.length === 0);
    for (const target of LATENCY_TARGETS) {
      const mine = atRate.filter((s) => s.target === target);
      const mineUsable = usable.filter((s) => s.target === target);
      const paired = (base: TargetId, pick: (s: LatencySample) => number): number =>
        medianPaired(usable, { target, base, pick, combine: difference });
      rows.push({
        target,
        rate,
        saturatedReps: mine.length - mineUsable.length,
        saturatedBy: [...new Set(mine.flatMap((s) => s.saturatedBy))],
        achievedRate: median(mine.map((s) => s.achievedRate)),
        p50Us: median(mineUsable.map((s) => s.latencyUs.p50)),
        p99Us: median(mineUsable.map((s) => s.latencyUs.p99)),
        addedP50Us: paired('direct', (s) => s.latencyUs.p50),
        addedP99Us: paired('direct', (s) => s.latencyUs.p99),
        overProxyP50Us: paired('proxy', (s) => s.latencyUs.p50),
        overProxyP99Us: paired('proxy', (s) => s.latencyUs.p99),
        cpuPerRequestUs: median(mine.map((s) => s.cpuPerRequestUs)),
        non2xx: mine.reduce((sum, s) => sum + s.non2xx, 0),
        errors: mine.reduce((sum, s) => sum + s.errors, 0),
        lateSends: mine.reduce((sum, s) => sum + s.lateSends, 0),
        maxLateMs: Math.max(0, ...mine.map((s) => s.maxLateMs)),
      });
    }
  }
  return { durationS: plan.latencyS, samples, rows };
}
