// The targets, evaluated from the measured results (one line each in the report's first table).
import { count, mb, pct, signedMs, times } from './format.js';
import { check, flagOf, notRun, withFlag } from './goal-checks.js';
import type { BenchResults, GoalResult, LatencyRow, ThroughputRow } from './result-types.js';
import type { TargetId } from './stack.js';
import { streamGoals } from './stream-goals.js';

type Measured = Omit<BenchResults, 'goals'>;

/** One throughput goal: `target`'s rate must be at least `minVsProxy` times the thin proxy's. */
interface ThroughputGoalSpec {
  scenario: string;
  label: string;
  rows: readonly ThroughputRow[] | undefined;
  target: TargetId;
  minVsProxy: number;
}

function throughputGoal({ scenario, label, rows, target, minVsProxy }: ThroughputGoalSpec): GoalResult {
  const goal = `${label} ≥ ${minVsProxy.toFixed(1)}× thin proxy`;
  const row = rows?.find((r) => r.target === target);
  const proxy = rows?.find((r) => r.target === 'proxy');
  if (!row) return notRun(scenario, goal);
  let flag = flagOf([row, proxy]);
  if (scenario === '(c)' && row.cacheProbe !== undefined && !row.cacheProbe.endsWith('HIT')) {
    flag = [flag, `cache probe: ${row.cacheProbe}`].filter(Boolean).join('; ');
  }
  return withFlag(
    {
      scenario,
      goal,
      measured: `${times(row.vsProxy)} (${count(row.rps)} req/s)`,
      met: check(row.vsProxy, (v) => v >= minVsProxy),
    },
    flag,
  );
}

/** Issue 15: with accounting on, the miss path keeps ≥ 95% of its usage-off twin's rate (same run). */
function accountingGoals(rows: readonly ThroughputRow[] | undefined): GoalResult[] {
  const goals: GoalResult[] = [];
  for (const [target, label] of [
    ['gateway', 'memory'],
    ['gateway-redis', 'Redis'],
  ] as const) {
    const row = rows?.find((r) => r.target === target);
    if (row?.vsUsageOff === undefined) continue;
    goals.push({
      scenario: '(a)',
      goal: `Cache-miss throughput, ${label}, usage accounting on ≥ 0.95× off`,
      measured: times(row.vsUsageOff),
      met: check(row.vsUsageOff, (v) => v >= 0.95),
    });
  }
  return goals;
}

function latencyGoals(rows: readonly LatencyRow[] | undefined): GoalResult[] {
  const at = (rate: number, target: TargetId) => rows?.find((r) => r.rate === rate && r.target === target);
  const gw500 = at(500, 'gateway');
  const direct500 = at(500, 'direct');
  const gw1500 = at(1500, 'gateway');
  const scenario = '(b)';
  const out: GoalResult[] = [];
  for (const [which, limitUs] of [
    ['p50', 500],
    ['p99', 2000],
  ] as const) {
    const goal = `Added ${which} over direct at 500 req/s ≤ ${limitUs / 1000} ms`;
    if (!gw500 || !direct500) {
      out.push(notRun(scenario, goal));
      continue;
    }
    const saturated = gw500.saturatedReps > 0 || direct500.saturatedReps > 0;
    const added = which === 'p50' ? gw500.addedP50Us : gw500.addedP99Us;
    out.push(
      withFlag(
        saturated
          ? { scenario, goal, measured: 'saturated', met: 'saturated' }
          : { scenario, goal, measured: signedMs(added), met: check(added, (v) => v <= limitUs) },
        flagOf([gw500, direct500]),
      ),
    );
  }
  const goal = 'Gateway at 1,500 req/s not saturated';
  if (!gw1500) out.push(notRun(scenario, goal));
  else {
    const reps = gw1500.saturatedReps;
    out.push(
      withFlag(
        {
          scenario,
          goal,
          measured:
            reps === 0 ? `sustained (${count(gw1500.achievedRate)} req/s)` : `saturated in ${reps} rep(s)`,
          met: reps === 0 ? 'yes' : 'no',
        },
        flagOf([gw1500]),
      ),
    );
  }
  return out;
}

function memoryGoals(memory: Measured['memory'], heldStreams: number): GoalResult[] {
  const scenario = '(e)';
  const rssGoal = `RSS ≤ 250 MB with ${count(heldStreams)} open streams`;
  const failedGoal = `${count(heldStreams)} streams open at once: 0 failed`;
  const growthGoal = 'RSS growth ≤ 10% over 100,000 requests';
  if (!memory) return [rssGoal, failedGoal, growthGoal].map((goal) => notRun(scenario, goal));
  const { held, growth } = memory;
  const heldFlag = [
    held.opened < held.requested ? `only ${count(held.opened)} streams opened` : '',
    held.failed > 0 ? `${count(held.failed)} failed` : '',
    held.upstreamStillOpen > 0 ? `${count(held.upstreamStillOpen)} upstream streams left open` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return [
    withFlag(
      { scenario, goal: rssGoal, measured: mb(held.rssMb), met: check(held.rssMb, (v) => v <= 250) },
      heldFlag === '' ? undefined : heldFlag,
    ),
    {
      scenario,
      goal: failedGoal,
      measured: `${count(held.failed)} failed (${count(held.opened)} of ${count(held.requested)} opened)`,
      // A stream that neither failed nor opened before the time-out counts against the goal too.
      met: held.failed === 0 && held.opened === held.requested ? 'yes' : 'no',
    },
    withFlag(
      {
        scenario,
        goal: growthGoal,
        measured: `${pct(growth.growthPct)} (${mb(growth.rssAfterWarmupMb)} → ${mb(growth.rssAfterMb)} over ${count(growth.requests)})`,
        met: check(growth.growthPct, (v) => v <= 10),
      },
      [
        flagOf([growth]),
        growth.requests < growth.plannedRequests
          ? `only ${count(growth.requests)} of ${count(growth.plannedRequests)} requests within the time cap`
          : undefined,
      ]
        .filter(Boolean)
        .join('; ') || undefined,
    ),
  ];
}

export function evaluateGoals(results: Measured, streamConcurrency: readonly number[], heldStreams: number) {
  return [
    throughputGoal({
      scenario: '(a)',
      label: 'Cache-miss throughput, gateway (memory)',
      rows: results.cacheMiss?.rows,
      target: 'gateway',
      minVsProxy: 0.5,
    }),
    ...accountingGoals(results.cacheMiss?.rows),
    ...latencyGoals(results.latency?.rows),
    throughputGoal({
      scenario: '(c)',
      label: 'Cache-hit throughput, memory',
      rows: results.cacheHit?.rows,
      target: 'gateway',
      minVsProxy: 1.0,
    }),
    throughputGoal({
      scenario: '(c)',
      label: 'Cache-hit throughput, Redis',
      rows: results.cacheHit?.rows,
      target: 'gateway-redis',
      minVsProxy: 0.6,
    }),
    ...streamGoals(results.streaming?.rows, streamConcurrency),
    ...memoryGoals(results.memory, heldStreams),
  ];
}
