// The usage endpoint's answer (GET /v1/usage, tRPC usage): rows of counters summed by model and by day.
import { addCounts, emptyCounts, type UsageCounts } from './usage-counts.js';
import type { UsageRow } from './usage-store.js';

/**
 * The counters as the API shows them: cost in USD instead of nano-USD, and whether every model in
 * them had a price (`cost_usd` then counts the priced ones only) instead of the unpriced count.
 */
export type UsageTotals = Omit<UsageCounts, 'cost_nano_usd' | 'unpriced_requests'> & {
  cost_usd: number;
  cost_complete: boolean;
};

export interface UsageReport {
  object: 'usage';
  key: string;
  from: string;
  to: string;
  totals: UsageTotals;
  by_model: Array<{ model: string } & UsageTotals>;
  by_day: Array<{ day: string } & UsageTotals>;
}

export function totalsOf(counts: UsageCounts): UsageTotals {
  const { cost_nano_usd, unpriced_requests, ...tokens } = counts;
  return {
    ...tokens,
    // Nano-USD back to USD, without the float noise a division leaves (0.1 + 0.2).
    cost_usd: Number((cost_nano_usd / 1e9).toFixed(9)),
    cost_complete: unpriced_requests === 0,
  };
}

function sumBy(rows: readonly UsageRow[], keyOf: (row: UsageRow) => string): Array<[string, UsageCounts]> {
  const sums = new Map<string, UsageCounts>();
  for (const row of rows) {
    const name = keyOf(row);
    sums.set(name, addCounts(sums.get(name) ?? emptyCounts(), row.counts));
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function usageReport(
  query: { key: string; from: string; to: string },
  rows: readonly UsageRow[],
): UsageReport {
  const total = emptyCounts();
  for (const row of rows) addCounts(total, row.counts);
  return {
    object: 'usage',
    key: query.key,
    from: query.from,
    to: query.to,
    totals: totalsOf(total),
    by_model: sumBy(rows, (row) => row.model).map(([model, counts]) => ({ model, ...totalsOf(counts) })),
    by_day: sumBy(rows, (row) => row.day).map(([day, counts]) => ({ day, ...totalsOf(counts) })),
  };
}

const DAY_MS = 86_400_000;

/** The UTC day (`YYYY-MM-DD`) of an epoch time in ms. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * utcDay for a clock that moves forward: the day's text is kept until the clock leaves that day,
 * so the meter does not format a Date on every answered request.
 */
export function utcDayMemo(): (epochMs: number) => string {
  let start = 0;
  let end = -1;
  let day = '';
  return (epochMs) => {
    if (epochMs < start || epochMs >= end) {
      start = epochMs - (epochMs % DAY_MS);
      end = start + DAY_MS;
      day = utcDay(start);
    }
    return day;
  };
}

/** Every UTC day from `from` to `to`, both included (the caller bounds the range). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += DAY_MS) days.push(utcDay(at));
  return days;
}
