// The targets, evaluated from the measured results (one line each in the report's first table).
import { count, mb, pct, signedMs, times } from './format.js';
import type { BenchResults, GoalResult, LatencyRow, StreamRow, ThroughputRow } from './result-types.js';
import type { TargetId } from './stack.js';

type Measured = Omit<BenchResults, 'goals'>;

const flagOf = (rows: ReadonlyArray<{ non2xx: number; errors: number } | undefined>): string | undefined => {
  const non2xx = rows.reduce((sum, row) => sum + (row?.non2xx ?? 0), 0);
  const errors = rows.reduce((sum, row) => sum + (row?.errors ?? 0), 0);
  return non2xx + errors > 0 ? `${count(errors)} errors, ${count(non2xx)} non-2xx` : undefined;
};

const check = (value: number, ok: (v: number) => boolean): GoalResult['met'] =>
  Number.isFinite(value) ? (ok(value) ? 'yes' : 'no') : 'n/a';

function withFlag(goal: GoalResult, flag: string | undefined): GoalResult {
  return flag === undefined ? goal : { ...goal, flag };
}

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
  if (!row) return { scenario, goal, measured: 'not run', met: 'n/a' };
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
      out.push({ scenario, goal, measured: 'not run', met: 'n/a' });
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
  if (!gw1500) out.push({ scenario, goal, measured: 'not run', met: 'n/a' });
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

function streamGoals(rows: readonly StreamRow[] | undefined, concurrency: readonly number[]): GoalResult[] {
  const scenario = '(d)';
  return concurrency.flatMap((n): GoalResult[] => {
    const row = rows?.find((r) => r.target === 'gateway' && r.concurrency === n);
    const direct = rows?.find((r) => r.target === 'direct' && r.concurrency === n);
    const ttfcGoal = `${n} streams: added TTFC p50 ≤ 5 ms`;
    const totalGoal = `${n} streams: total stream time ≤ +5% of direct`;
    if (!row) {
      return [
        { scenario, goal: ttfcGoal, measured: 'not run', met: 'n/a' },
        { scenario, goal: totalGoal, measured: 'not run', met: 'n/a' },
      ];
    }
    const failed = row.failed + (direct?.failed ?? 0);
    const flag = failed > 0 ? `${count(failed)} failed streams` : undefined;
    return [
      withFlag(
        {
          scenario,
          goal: ttfcGoal,
          measured: signedMs(row.addedTtfcP50Us),
          met: check(row.addedTtfcP50Us, (v) => v <= 5000),
        },
        flag,
      ),
      withFlag(
        {
          scenario,
          goal: totalGoal,
          measured: pct((row.totalVsDirect - 1) * 100),
          met: check(row.totalVsDirect, (v) => v <= 1.05),
        },
        flag,
      ),
    ];
  });
}

function memoryGoals(memory: Measured['memory'], heldStreams: number): GoalResult[] {
  const scenario = '(e)';
  const rssGoal = `RSS ≤ 250 MB with ${count(heldStreams)} open streams`;
  const growthGoal = 'RSS growth ≤ 10% over 100,000 requests';
  if (!memory) {
    return [
      { scenario, goal: rssGoal, measured: 'not run', met: 'n/a' },
      { scenario, goal: growthGoal, measured: 'not run', met: 'n/a' },
    ];
  }
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
