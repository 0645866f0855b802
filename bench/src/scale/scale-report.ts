// The scale test's Markdown report: totals per kind, latency, the shared limit's expectation, and the
// load balancer's per-instance counters.
import { count, dash, ms } from '../format.js';
import { table } from '../markdown-table.js';
import type { MachineInfo } from '../result-types.js';
import type { ServerStats } from './haproxy-stats.js';
import type { RestartResult } from './rolling-restart.js';
import type { KindTally, ScaleLoadRun } from './scale-load.js';

export interface ScaleReport {
  command: string;
  machine: MachineInfo;
  haproxy: string;
  rate: number;
  durationS: number;
  limitPerMinute: number;
  streamEvery: number;
  settings: Record<string, string>;
  run: ScaleLoadRun;
  servers: ServerStats[];
  restart?: RestartResult;
}

function restartLine(r: RestartResult): string {
  const how =
    r.mode === 'drain'
      ? 'set to drain in HAProxy (runtime API) 1 s before SIGTERM, as endpoint removal + preStop do'
      : 'sent SIGTERM with no drain at the balancer (HAProxy finds out from its checks)';
  return (
    `Restart (\`--restart ${r.mode}\`): ${r.instance} ${how} at ${(r.atMs / 1000).toFixed(0)} s; it exited ` +
    `${r.exitMs.toFixed(0)} ms after SIGTERM, listened again after ${r.listeningMs.toFixed(0)} ms and was UP in ` +
    `HAProxy after ${r.upMs.toFixed(0)} ms. Failures above include everything this cost.`
  );
}

const share = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : dash;

function kindRow(label: string, t: KindTally): string[] {
  const failures = Object.entries(t.failures)
    .map(([cause, n]) => `${cause}: ${n}`)
    .join(', ');
  return [
    label,
    count(t.sent),
    count(t.admitted),
    count(t.refused),
    `${count(t.failed)}${failures ? ` (${failures})` : ''}`,
    ms(t.latencyUs.p50),
    ms(t.latencyUs.p99),
    ms(t.firstByteUs.p50),
    ms(t.firstByteUs.p99),
    ms(t.refusedUs.p99),
  ];
}

/** Tokens the shared bucket can give over the run: full at the start, refilled at limit/60 per second. */
export const expectedAdmitted = (limitPerMinute: number, elapsedS: number): number =>
  limitPerMinute + (limitPerMinute / 60) * elapsedS;

export function renderScaleReport(r: ScaleReport): string {
  const { json, stream } = r.run;
  const admitted = json.admitted + stream.admitted;
  const sent = json.sent + stream.sent;
  const sendWindowS = r.durationS;
  const expected = Math.min(sent, expectedAdmitted(r.limitPerMinute, sendWindowS));
  const failed = json.failed + stream.failed;
  const allRow = ['all', count(sent), count(admitted), count(json.refused + stream.refused), count(failed)];
  const totalSessions = r.servers.reduce((a, s) => a + s.sessions, 0);
  const lines = [
    '# Scale test: 3 gateway instances behind HAProxy, one Redis',
    '',
    `\`${r.command}\` — ${r.machine.date}, commit ${r.machine.gitCommit}, ${r.machine.cpus} × ${r.machine.cpuModel}, ` +
      `Node ${r.machine.node}, ${r.haproxy}; everything on 127.0.0.1.`,
    '',
    `Open loop: ${r.rate} req/s for ${r.durationS} s through the load balancer, every ${r.streamEvery}th request a ` +
      `stream, every body unique (all cache misses); the upstream simulator answers after 20 ms, streams in 20 ` +
      `chunks 10 ms apart. Shared limit RATE_LIMIT_REQUESTS_PER_MINUTE=${r.limitPerMinute} across the instances.`,
    '',
    table(
      [
        'requests',
        'sent',
        'admitted',
        'refused (429)',
        'failed (5xx, network)',
        'p50',
        'p99',
        'first byte p50',
        'first byte p99',
        '429 p99',
      ],
      [kindRow('JSON', json), kindRow('stream', stream), [...allRow, '', '', '', '', '']],
    ),
    '',
    `Shared limit: the bucket allows ${count(expected)} over the ${sendWindowS} s send window (${r.limitPerMinute} ` +
      `at the start + ${(r.limitPerMinute / 60).toFixed(1)}/s); admitted ${count(admitted)} ` +
      `(${admitted >= expected ? '+' : ''}${count(admitted - expected)}). ` +
      `Load generator: at most ${r.run.maxLateMs.toFixed(1)} ms behind schedule; ${r.run.unanswered} unanswered at the end.`,
    '',
    ...(r.restart ? [restartLine(r.restart), ''] : []),
    'Per instance (HAProxy stats, this run only; `leastconn` balancing; "sent to it" counts an attempt ' +
      'refused by a stopped instance and then redispatched to another one for both):',
    '',
    table(
      ['instance', 'check', 'sent to it', 'share', '2xx', '4xx (429)', '5xx'],
      r.servers.map((s) => [
        s.name,
        s.status,
        count(s.sessions),
        share(s.sessions, totalSessions),
        count(s.http2xx),
        count(s.http4xx),
        count(s.http5xx),
      ]),
    ),
    '',
    `Gateway settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v.startsWith('redis://') ? 'redis://127.0.0.1:<port>' : v}`)
      .join(' ')}`,
    '',
  ];
  return lines.join('\n');
}
