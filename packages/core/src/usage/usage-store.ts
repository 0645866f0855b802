// Where usage counters live: the store contract, and the in-memory store (one process; Redis shares them).
import { addCounts, emptyCounts, type UsageCounts } from './usage-counts.js';

/** One key's usage of one model on one UTC day (`YYYY-MM-DD`). */
export interface UsageRow {
  day: string;
  model: string;
  counts: UsageCounts;
}

/** What a key spent, in nano-USD: on one day, and in that day's month. */
export interface Spent {
  day: number;
  month: number;
}

export interface UsageStore {
  readonly backend: 'memory' | 'redis';
  /** Adds a row's counts to the key's counters (atomic per counter). */
  add(key: string, row: UsageRow): Promise<void>;
  /** The key's rows on these days (days without usage give none). */
  rows(key: string, days: readonly string[]): Promise<UsageRow[]>;
  spent(key: string, day: string): Promise<Spent>;
}

/** Days kept per key: a little over a year, so "this month last year" can still be asked. */
export const USAGE_RETENTION_DAYS = 400;

/** Distinct models kept per key and day; more are added up under `other` (unknown models are unbounded). */
export const MAX_MODELS_PER_DAY = 200;

export const monthOf = (day: string): string => day.slice(0, 7);

/** Usage in this process only: one Map per key of days, each a Map of models. */
export function createMemoryUsageStore(): UsageStore {
  const keys = new Map<string, Map<string, Map<string, UsageCounts>>>();
  const months = new Map<string, number>();

  function dayOf(key: string, day: string): Map<string, UsageCounts> {
    let days = keys.get(key);
    if (days === undefined) {
      days = new Map();
      keys.set(key, days);
    }
    let models = days.get(day);
    if (models === undefined) {
      models = new Map();
      days.set(day, models);
      // Days arrive in order, so the Map's first day is the oldest.
      if (days.size > USAGE_RETENTION_DAYS) days.delete(days.keys().next().value as string);
    }
    return models;
  }

  return {
    backend: 'memory',
    add(key, { day, model, counts }) {
      const models = dayOf(key, day);
      const name = models.has(model) || models.size < MAX_MODELS_PER_DAY ? model : 'other';
      const current = models.get(name) ?? emptyCounts();
      models.set(name, addCounts(current, counts));
      const month = `${key}\n${monthOf(day)}`;
      months.set(month, (months.get(month) ?? 0) + counts.cost_nano_usd);
      return Promise.resolve();
    },
    rows(key, days) {
      const stored = keys.get(key);
      const rows: UsageRow[] = [];
      for (const day of days) {
        for (const [model, counts] of stored?.get(day) ?? [])
          rows.push({ day, model, counts: { ...counts } });
      }
      return Promise.resolve(rows);
    },
    spent(key, day) {
      let spentToday = 0;
      for (const counts of keys.get(key)?.get(day)?.values() ?? []) spentToday += counts.cost_nano_usd;
      return Promise.resolve({ day: spentToday, month: months.get(`${key}\n${monthOf(day)}`) ?? 0 });
    },
  };
}
