// Renders the results as Markdown: the targets table first, then one table per scenario.
import { count, dash, mb, ms, pct, signedMs, times } from './format.js';
import { table } from './markdown-table.js';
import { streamSection } from './report-streaming.js';
import type { BenchResults, GoalResult, LatencyScenario, ThroughputScenario } from './result-types.js';
import { TARGET_LABELS } from './stack.js';

const metCell = (goal: GoalResult): string => {
  const mark = { yes: '✅ yes', no: '❌ no', saturated: '❌ saturated', 'n/a': 'n/a' }[goal.met];
  return goal.flag ? `${mark} ⚠ ${goal.flag}` : mark;
};

const problems = (row: { non2xx: number; errors: number }): string =>
  row.non2xx + row.errors === 0 ? '0' : `⚠ ${count(row.errors)} err, ${count(row.non2xx)} non-2xx`;

function throughputSection(title: string, scenario: ThroughputScenario, note: string): string {
  // The "× usage off" column only when --accounting ran the usage-off twins.
  const twins = scenario.rows.some((row) => row.vsUsageOff !== undefined);
  return [
    `## ${title}`,
    '',
    `${note} autocannon, ${scenario.connections} connections, ${scenario.durationS} s per run. ` +
      'Ratios are taken within each repetition, then the median. CPU per request is the target process ' +
      "alone (the simulator's for direct; the thin proxy and gateway rows exclude the simulator's share).",
    '',
    table(
      [
        'target',
        'req/s',
        '× direct',
        '× thin proxy',
        ...(twins ? ['× usage off'] : []),
        'latency p50 / p99 (autocannon, whole ms)',
        'CPU per request (cores busy)',
        'errors',
        'cache probe',
      ],
      scenario.rows.map((row) => [
        TARGET_LABELS[row.target],
        count(row.rps),
        times(row.vsDirect),
        times(row.vsProxy),
        ...(twins ? [row.vsUsageOff === undefined ? dash : times(row.vsUsageOff)] : []),
        `${row.p50Ms} / ${row.p99Ms} ms`,
        Number.isFinite(row.cpuPerRequestUs)
          ? `${count(row.cpuPerRequestUs)} µs (${row.cpuCores.toFixed(2)})`
          : dash,
        problems(row),
        row.cacheProbe ?? dash,
      ]),
    ),
  ].join('\n');
}

function latencySection(scenario: LatencyScenario): string {
  const rows = scenario.rows.map((row) => {
    const saturated = row.saturatedReps > 0;
    const latency = (us: number): string => (saturated ? 'saturated' : ms(us));
    const added = (us: number): string => (saturated ? 'saturated' : signedMs(us));
    return [
      `${count(row.rate)}/s`,
      TARGET_LABELS[row.target],
      `${count(row.achievedRate)}/s`,
      latency(row.p50Us),
      latency(row.p99Us),
      row.target === 'direct' ? dash : `${added(row.addedP50Us)} / ${added(row.addedP99Us)}`,
      row.target === 'gateway' ? `${added(row.overProxyP50Us)} / ${added(row.overProxyP99Us)}` : dash,
      Number.isFinite(row.cpuPerRequestUs) ? `${count(row.cpuPerRequestUs)} µs` : dash,
      problems(row),
      `${count(row.lateSends)} (${row.maxLateMs.toFixed(1)} ms)`,
      saturated ? `${row.saturatedReps} rep(s): ${row.saturatedBy.join('; ')}` : dash,
    ];
  });
  return [
    '## (b) Added latency at a fixed rate (open loop)',
    '',
    `Requests spaced evenly by a timer loop, ${scenario.durationS} s per run, each timed from send to last ` +
      'body byte in microseconds. A run is **saturated** (and shows no latency) when under 95% of the rate ' +
      'was answered in time, more requests were in flight than the client has connections, or over 1% of ' +
      'sends left > 10 ms late (the load generator itself fell behind).',
    '',
    table(
      [
        'rate',
        'target',
        'achieved',
        'p50',
        'p99',
        'added over direct p50 / p99',
        'over thin proxy p50 / p99',
        'CPU per request',
        'errors',
        'late sends (max)',
        'saturated',
      ],
      rows,
    ),
  ].join('\n');
}

function memorySection(memory: NonNullable<BenchResults['memory']>): string {
  const { held, growth } = memory;
  return [
    '## (e) Gateway memory (a fresh gateway, in-memory cache)',
    '',
    table(
      ['measurement', 'value'],
      [
        ['RSS idle (after 500 requests)', mb(memory.idleRssMb)],
        [
          `RSS with ${count(held.requested)} streams open`,
          `${mb(held.rssMb)} (${count(held.opened)} opened, ${count(held.failed)} failed)`,
        ],
        ...Object.entries(held.failures).map(([reason, n]) => [
          `streams that failed to start: ${reason}`,
          count(n),
        ]),
        ['upstream streams still open 5 s after the clients left', count(held.upstreamStillOpen)],
        [
          `RSS over the last ${count(growth.windowRequests)} of ${count(growth.warmupRequests)} warm-up requests (V8 heap at their end)`,
          `${mb(growth.rssAfterWarmupMb)} (${mb(growth.heapAfterWarmupMb)})`,
        ],
        [
          `RSS over the last ${count(growth.windowRequests)} of ${count(growth.requests)} more requests (V8 heap)`,
          `${mb(growth.rssAfterMb)} (${pct(growth.growthPct)}) (${mb(growth.heapAfterMb)})`,
        ],
        ['throughput during those requests', `${count(growth.rps)} req/s, ${problems(growth)} errors`],
      ],
    ),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const parts = [
    '# Gateway benchmark',
    '',
    `${m.date} · ${m.cpus} CPU × ${m.cpuModel} · Node ${m.node} · ${m.platform} · ${count(m.totalMemMb)} MB RAM · ` +
      `load average at start ${m.loadAverage.join(' / ')} · commit ${m.gitCommit}`,
    '',
    `Run: ${results.plan.quick ? '**QUICK smoke run (short, 1 repetition): not for comparison**' : `${results.plan.reps} repetition(s), medians`} · ` +
      `scenarios ${results.plan.only.join(', ')} · ${results.elapsedS.toFixed(0)} s. Every process (simulator, thin ` +
      'proxy, gateways, Redis, load generator) shares this machine, so all numbers include that contention.',
    '',
    `Gateway settings: ${Object.entries(results.gatewaySettings)
      .map(([name, value]) => `\`${name}=${value}\``)
      .join(', ')} (info logs go to a file).`,
    '',
    '## Targets',
    '',
    table(
      ['scenario', 'target', 'measured', 'met'],
      results.goals.map((goal) => [goal.scenario, goal.goal, goal.measured, metCell(goal)]),
    ),
  ];
  if (results.cacheMiss) {
    parts.push(
      '',
      throughputSection('(a) Cache-miss throughput', results.cacheMiss, 'Every request body is unique.'),
    );
  }
  if (results.latency) parts.push('', latencySection(results.latency));
  if (results.cacheHit) {
    parts.push(
      '',
      throughputSection(
        '(c) Cache-hit throughput',
        results.cacheHit,
        'One body repeated (the simulator and thin proxy answer it like any other request).',
      ),
    );
  }
  if (results.streaming) parts.push('', streamSection(results.streaming));
  if (results.memory) parts.push('', memorySection(results.memory));
  parts.push('', `Raw samples per repetition: \`${results.plan.outName}.json\`.`, '');
  return parts.join('\n');
}
