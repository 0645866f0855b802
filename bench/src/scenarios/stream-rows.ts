// The (d) table's rows: medians over repetitions, comparisons with direct and the thin proxy per repetition.
import { difference, medianOf, medianPaired, ratio } from '../per-rep.js';
import type { StreamMode, StreamRow, StreamSample } from '../result-types.js';
import type { TargetId } from '../stack.js';

/** The targets of the ordinary (`unique`) runs, in table order. */
export const STREAM_TARGETS: readonly TargetId[] = ['direct', 'proxy', 'floor', 'floor-at-end', 'gateway'];

/** Gateway-only modes, after the ordinary rows of their concurrency. */
export const SHARED_MODES: readonly StreamMode[] = ['coalesced', 'replay'];

/** `at` holds one concurrency's samples with a single mode per target; `target` is the row's. */
function rowOf(at: readonly StreamSample[], target: TargetId): StreamRow {
  const mine = at.filter((s) => s.target === target);
  const first = mine[0];
  const sum = (pick: (s: StreamSample) => number): number => mine.reduce((total, s) => total + pick(s), 0);
  const vs = (base: TargetId, pick: (s: StreamSample) => number, combine: typeof ratio): number =>
    medianPaired(at, { target, base, pick, combine });
  return {
    target,
    mode: first?.mode ?? 'unique',
    concurrency: first?.concurrency ?? Number.NaN,
    streams: sum((s) => s.streams),
    failed: sum((s) => s.failed),
    ttfcP50Us: medianOf(at, target, (s) => s.ttfcUs.p50),
    ttfcP99Us: medianOf(at, target, (s) => s.ttfcUs.p99),
    totalP50Us: medianOf(at, target, (s) => s.totalUs.p50),
    totalP99Us: medianOf(at, target, (s) => s.totalUs.p99),
    addedTtfcP50Us: vs('direct', (s) => s.ttfcUs.p50, difference),
    totalVsDirect: vs('direct', (s) => s.totalUs.p50, ratio),
    overProxyTtfcP50Us: vs('proxy', (s) => s.ttfcUs.p50, difference),
    totalVsProxy: vs('proxy', (s) => s.totalUs.p50, ratio),
    overFloorTtfcP50Us: vs('floor', (s) => s.ttfcUs.p50, difference),
    totalVsFloor: vs('floor', (s) => s.totalUs.p50, ratio),
    cpuPerChunkUs: medianOf(at, target, (s) => s.cpuPerChunkUs),
    cpuPerChunkVsProxy: vs('proxy', (s) => s.cpuPerChunkUs, ratio),
    chunks: sum((s) => s.chunks),
    upstreamStreams: sum((s) => s.upstreamStreams),
    chunksPerStream: ratio(
      sum((s) => s.chunks),
      sum((s) => s.streams),
    ),
    waves: sum((s) => s.waves ?? 0),
    cacheProbes: mine.flatMap((s) => (s.cacheProbe === undefined ? [] : [s.cacheProbe])),
  };
}

export function streamRows(samples: readonly StreamSample[], concurrencies: readonly number[]): StreamRow[] {
  const rows: StreamRow[] = [];
  for (const concurrency of concurrencies) {
    const ordinary = samples.filter((s) => s.concurrency === concurrency && s.mode === 'unique');
    for (const target of STREAM_TARGETS) rows.push(rowOf(ordinary, target));
    for (const mode of SHARED_MODES) {
      const shared = samples.filter((s) => s.concurrency === concurrency && s.mode === mode);
      if (shared.length === 0) continue;
      // The thin proxy has no cache: a shared run is compared with the direct and thin-proxy runs of the
      // ordinary run at its concurrency, in the same repetition.
      const baselines = ordinary.filter((s) => s.target === 'direct' || s.target === 'proxy');
      rows.push(rowOf([...baselines, ...shared], 'gateway'));
    }
  }
  return rows;
}
