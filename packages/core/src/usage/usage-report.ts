// The usage endpoint's answer (GET /v1/usage, tRPC usage): rows of counters summed by model and by day.
import { addCounts, emptyCounts, type UsageCounts } from './usage-counts.js';
import type { UsageRow } from './usage-store.js';

/** The counters as the API shows them: cost in USD, and whether every model in them had a price. */
export interface UsageTotals {
  requests: number;
  cached_requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_prompt_tokens: number;
  total_tokens: number;
  saved_tokens: number;
  /** Requests whose tokens are estimated (a stream cut short, an answer without usage). */
  estimated_requests: number;
  cost_usd: number;
  /** False when a model in the range has no price: `cost_usd` counts the priced ones only. */
  cost_complete: boolean;
}

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
  return {
    requests: counts.requests,
    cached_requests: counts.cached_requests,
    prompt_tokens: counts.prompt_tokens,
    completion_tokens: counts.completion_tokens,
    reasoning_tokens: counts.reasoning_tokens,
    cached_prompt_tokens: counts.cached_prompt_tokens,
    total_tokens: counts.total_tokens,
    saved_tokens: counts.saved_tokens,
    estimated_requests: counts.estimated_requests,
    // Nano-USD back to USD, without the float noise a division leaves (0.1 + 0.2).
    cost_usd: Number((counts.cost_nano_usd / 1e9).toFixed(9)),
    cost_complete: counts.unpriced_requests === 0,
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

/** The UTC day (`YYYY-MM-DD`) of an epoch time in ms. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Every UTC day from `from` to `to`, both included (the caller bounds the range). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += 86_400_000) days.push(utcDay(at));
  return days;
}
