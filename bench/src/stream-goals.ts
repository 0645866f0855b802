// Issue 13's streaming targets for (d), against the thin proxy of the same run, and the shared runs' premises.
import { count, signedMs, times, us } from './format.js';
import { check, notRun, withFlag } from './goal-checks.js';
import type { GoalResult, StreamMode, StreamRow } from './result-types.js';

/** Per concurrency: how much TTFC the gateway may add over the thin proxy, and its total-time ratio. */
const STREAM_LIMITS: ReadonlyMap<number, { overProxyTtfcUs: number; totalVsProxy: number }> = new Map([
  [100, { overProxyTtfcUs: 5_000, totalVsProxy: 1.03 }],
  [500, { overProxyTtfcUs: 10_000, totalVsProxy: 1.05 }],
]);

const MAX_CPU_PER_CHUNK_VS_PROXY = 2;
const scenario = '(d)';

const failedFlag = (rows: ReadonlyArray<StreamRow | undefined>): string | undefined => {
  const failed = rows.reduce((sum, row) => sum + (row?.failed ?? 0), 0);
  return failed > 0 ? `${count(failed)} failed streams` : undefined;
};

/** The ordinary (`unique`) run's row of a target at `n` streams. */
const ordinaryRow =
  (rows: readonly StreamRow[] | undefined, n: number) =>
  (target: StreamRow['target']): StreamRow | undefined =>
    rows?.find((r) => r.target === target && r.mode === 'unique' && r.concurrency === n);

function speedGoals(rows: readonly StreamRow[] | undefined, n: number): GoalResult[] {
  const limits = STREAM_LIMITS.get(n);
  if (limits === undefined) return [];
  const find = ordinaryRow(rows, n);
  const gateway = find('gateway');
  const proxy = find('proxy');
  const goals = [
    `${n} streams: added TTFC p50 ≤ thin proxy's + ${limits.overProxyTtfcUs / 1000} ms`,
    `${n} streams: total stream time ≤ ${times(limits.totalVsProxy)} thin proxy's`,
    `${n} streams: CPU per streamed chunk ≤ ${times(MAX_CPU_PER_CHUNK_VS_PROXY)} thin proxy's`,
  ];
  if (!gateway || !proxy) return goals.map((goal) => notRun(scenario, goal));
  const flag = failedFlag([gateway, proxy, find('direct')]);
  const [ttfcGoal = '', totalGoal = '', cpuGoal = ''] = goals;
  return [
    {
      scenario,
      goal: ttfcGoal,
      measured:
        `${signedMs(gateway.overProxyTtfcP50Us)} over the proxy (added vs direct: gateway ` +
        `${signedMs(gateway.addedTtfcP50Us)}, proxy ${signedMs(proxy.addedTtfcP50Us)})`,
      met: check(gateway.overProxyTtfcP50Us, (v) => v <= limits.overProxyTtfcUs),
    },
    {
      scenario,
      goal: totalGoal,
      measured: `${times(gateway.totalVsProxy)} (× direct: gateway ${times(gateway.totalVsDirect)}, proxy ${times(proxy.totalVsDirect)})`,
      met: check(gateway.totalVsProxy, (v) => v <= limits.totalVsProxy),
    },
    {
      scenario,
      goal: cpuGoal,
      measured: `${times(gateway.cpuPerChunkVsProxy)} (${us(gateway.cpuPerChunkUs)} vs ${us(proxy.cpuPerChunkUs)})`,
      met: check(gateway.cpuPerChunkVsProxy, (v) => v <= MAX_CPU_PER_CHUNK_VS_PROXY),
    },
  ].map((goal) => withFlag(goal, flag));
}

/**
 * Whether the host leaves room for any relay at all: the relay floor (thin proxy + relaying and
 * recording each event, nothing else) against the same two latency limits. When the floor itself
 * misses one, no gateway that relays and records can meet it in that run; the line also gives the
 * gateway's own distance from the floor.
 */
function floorPremise(rows: readonly StreamRow[] | undefined, n: number): GoalResult[] {
  const limits = STREAM_LIMITS.get(n);
  if (limits === undefined) return [];
  const find = ordinaryRow(rows, n);
  const floor = find('floor');
  const gateway = find('gateway');
  const goal =
    `${n} streams: the relay floor itself within those two latency limits ` +
    '(the host leaves room for a relay that records)';
  if (!floor || !gateway) return [notRun(scenario, goal)];
  const withinTtfc = check(floor.overProxyTtfcP50Us, (v) => v <= limits.overProxyTtfcUs);
  const withinTotal = check(floor.totalVsProxy, (v) => v <= limits.totalVsProxy);
  const met =
    withinTtfc === 'n/a' || withinTotal === 'n/a'
      ? 'n/a'
      : withinTtfc === 'yes' && withinTotal === 'yes'
        ? 'yes'
        : 'no';
  return [
    withFlag(
      {
        scenario,
        goal,
        measured:
          `floor ${signedMs(floor.overProxyTtfcP50Us)} over the proxy, total ${times(floor.totalVsProxy)}; ` +
          `the gateway over the floor ${signedMs(gateway.overFloorTtfcP50Us)}, total ${times(gateway.totalVsFloor)}`,
        met,
      },
      failedFlag([floor]),
    ),
  ];
}

/** What the coalesced and replay runs assume; numbers measured without it would mean something else. */
function premiseGoal(rows: readonly StreamRow[] | undefined, mode: Exclude<StreamMode, 'unique'>) {
  const row = rows?.find((r) => r.target === 'gateway' && r.mode === mode);
  const goal =
    mode === 'coalesced'
      ? 'Identical streams, cache on: 1 upstream stream per wave (coalesced)'
      : 'Streams of a cached answer: no upstream stream request';
  if (!row) return notRun(scenario, goal);
  const n = count(row.concurrency);
  const measured =
    mode === 'coalesced'
      ? `${count(row.upstreamStreams)} upstream streams for ${count(row.waves)} waves of ${n}`
      : `${count(row.upstreamStreams)} upstream streams during ${count(row.streams)} streams of ${n} at once`;
  const ok =
    mode === 'coalesced' ? row.waves > 0 && row.upstreamStreams === row.waves : row.upstreamStreams === 0;
  const probes = row.cacheProbes.filter((probe) => !probe.endsWith('HIT'));
  const flag = [failedFlag([row]), probes.length > 0 ? `cache not primed: ${probes.join('; ')}` : undefined]
    .filter(Boolean)
    .join('; ');
  return withFlag(
    { scenario, goal, measured, met: Number.isFinite(row.upstreamStreams) ? (ok ? 'yes' : 'no') : 'n/a' },
    flag === '' ? undefined : flag,
  );
}

export function streamGoals(rows: readonly StreamRow[] | undefined, concurrency: readonly number[]) {
  return [
    ...concurrency.flatMap((n) => [...speedGoals(rows, n), ...floorPremise(rows, n)]),
    premiseGoal(rows, 'coalesced'),
    premiseGoal(rows, 'replay'),
  ];
}
