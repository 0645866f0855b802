// Scenarios (a) and (c): closed-loop throughput per target, interleaved per repetition.
import type { BenchPlan } from '../bench-plan.js';
import { probeCache } from '../cache-probe.js';
import { repeatedChatBody, uniqueChatBody } from '../chat-bodies.js';
import { say } from '../log.js';
import { medianOf, medianPaired, ratio, rotate } from '../per-rep.js';
import { readCpuSeconds } from '../proc-cpu.js';
import type { ThroughputRow, ThroughputSample, ThroughputScenario } from '../result-types.js';
import { runThroughput } from '../run-autocannon.js';
import { sleep } from '../sleep.js';
import { type Stack, type TargetId, USAGE_TWINS } from '../stack.js';

export const THROUGHPUT_TARGETS: readonly TargetId[] = ['direct', 'proxy', 'gateway', 'gateway-redis'];

/** (a) with --accounting also runs the usage-off twins, in the same rotation. */
function targetsOf(plan: BenchPlan, cacheCase: CacheCase): readonly TargetId[] {
  if (!plan.accounting || cacheCase !== 'miss') return THROUGHPUT_TARGETS;
  return [...THROUGHPUT_TARGETS, ...USAGE_TWINS.map(([, off]) => off)];
}

/** Usage-on rate over its usage-off twin's, paired per repetition (undefined without the twin). */
function vsUsageOff(samples: readonly ThroughputSample[], target: TargetId): number | undefined {
  const twin = USAGE_TWINS.find(([on]) => on === target)?.[1];
  if (twin === undefined || !samples.some((s) => s.target === twin)) return undefined;
  return medianPaired(samples, { target, base: twin, pick: (s) => s.rps, combine: ratio });
}

/** `miss`: every body unique (a); `hit`: one body repeated, answered from the gateway's cache (c). */
export type CacheCase = 'miss' | 'hit';

export async function runThroughputScenario(
  plan: BenchPlan,
  stack: Stack,
  cacheCase: CacheCase,
): Promise<ThroughputScenario> {
  const durationS = cacheCase === 'miss' ? plan.cacheMissS : plan.cacheHitS;
  const body = cacheCase === 'miss' ? () => uniqueChatBody(false) : () => repeatedChatBody('hit');
  const targets = targetsOf(plan, cacheCase);
  const probes = new Map<TargetId, string>();
  for (const target of targets) {
    if (target.startsWith('gateway')) {
      const probeBody = cacheCase === 'miss' ? uniqueChatBody(false) : repeatedChatBody('hit');
      probes.set(target, await probeCache(stack.url(target), probeBody));
    }
  }
  const samples: ThroughputSample[] = [];
  for (let rep = 1; rep <= plan.reps; rep++) {
    // Rotated, and reversed every other repetition: a rotation alone keeps each pair in the same order
    // (a usage-on gateway always just before its usage-off twin), so order effects would not cancel.
    const order = rotate(targets, rep - 1);
    for (const target of rep % 2 === 0 ? order.reverse() : order) {
      const baseUrl = stack.url(target);
      await runThroughput({ baseUrl, connections: plan.connections, durationS: plan.warmupS, body });
      const pid = stack.pid(target);
      const cpuBefore = readCpuSeconds(pid);
      const run = await runThroughput({ baseUrl, connections: plan.connections, durationS, body });
      const cpuSeconds = readCpuSeconds(pid) - cpuBefore;
      samples.push({
        target,
        rep,
        ...run,
        cpuPerRequestUs: run.ok > 0 ? (cpuSeconds * 1e6) / run.ok : Number.NaN,
        cpuCores: run.durationS > 0 ? cpuSeconds / run.durationS : Number.NaN,
      });
      say(
        `(${cacheCase === 'miss' ? 'a' : 'c'}) rep ${rep} ${target}: ${run.rps.toFixed(0)} req/s, ` +
          `${((cpuSeconds * 1e6) / Math.max(1, run.ok)).toFixed(0)} µs CPU/req (${(cpuSeconds / run.durationS).toFixed(2)} cores)` +
          `${run.errors + run.non2xx > 0 ? `, ${run.errors} errors, ${run.non2xx} non-2xx` : ''}`,
      );
      await sleep(300); // Let closed sockets and timers settle before the next target.
    }
  }
  const rows: ThroughputRow[] = targets.map((target) => {
    const probe = probes.get(target);
    const usageOff = vsUsageOff(samples, target);
    return {
      target,
      rps: medianOf(samples, target, (s) => s.rps),
      vsDirect: medianPaired(samples, { target, base: 'direct', pick: (s) => s.rps, combine: ratio }),
      vsProxy: medianPaired(samples, { target, base: 'proxy', pick: (s) => s.rps, combine: ratio }),
      p50Ms: medianOf(samples, target, (s) => s.p50Ms),
      p99Ms: medianOf(samples, target, (s) => s.p99Ms),
      cpuPerRequestUs: medianOf(samples, target, (s) => s.cpuPerRequestUs),
      cpuCores: medianOf(samples, target, (s) => s.cpuCores),
      non2xx: samples.filter((s) => s.target === target).reduce((sum, s) => sum + s.non2xx, 0),
      errors: samples.filter((s) => s.target === target).reduce((sum, s) => sum + s.errors, 0),
      ...(probe === undefined ? {} : { cacheProbe: probe }),
      ...(usageOff === undefined ? {} : { vsUsageOff: usageOff }),
    };
  });
  return { connections: plan.connections, durationS, samples, rows };
}
