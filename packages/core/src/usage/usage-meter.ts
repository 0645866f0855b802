// Usage accounting: every answered request's tokens and cost, per key, model and day, written after the answer.
import type { TokenUsage } from './token-usage.js';
import { freshCounts, type ModelPrice, savedCounts, type UsageCounts } from './usage-counts.js';
import { daysBetween, type UsageReport, usageReport, utcDayMemo } from './usage-report.js';
import { monthOf, type UsageStore } from './usage-store.js';

/** What the meter reports (metrics subscribe; the meter never logs). */
export type UsageEvent =
  | { type: 'recorded'; key: string; model: string; counts: UsageCounts }
  | { type: 'write-failed'; key: string; error: unknown };

export interface UsageMeterOptions {
  store: UsageStore;
  /** USD per 1M tokens by the model that answered (a target's model). */
  prices: Readonly<Record<string, ModelPrice>>;
  /** Epoch ms (injected in tests). */
  now?: () => number;
  onEvent?: (event: UsageEvent) => void;
}

export interface UsageMeter {
  /** An answer that reached an upstream (`estimated`: what reached the client of one cut short). */
  fresh(key: string, model: string, usage: { tokens: TokenUsage; estimated: boolean }): void;
  /** An answer the cache or an identical call served: its tokens count as saved. */
  saved(key: string, model: string, tokens: TokenUsage | undefined): void;
  /** USD the key spent today and this month (UTC). */
  spent(key: string): Promise<{ daily: number; monthly: number }>;
  report(query: { key: string; from: string; to: string }): Promise<UsageReport>;
  /** Today, UTC, on the meter's clock (the endpoint's default range). */
  today(): string;
}

/** This instance's own spend of one key in the current day and month, kept to check budgets with Redis down. */
interface LocalSpend {
  day: string;
  dayNano: number;
  monthNano: number;
}

/**
 * Counting is synchronous up to the store call, which is not awaited: nothing on the request path waits
 * for Redis. A failed write is reported (and lost). The budget check reads the store, and takes this
 * instance's own count when that is higher (Redis down or behind), so a key never spends past its budget
 * through one instance.
 */
export function createUsageMeter(options: UsageMeterOptions): UsageMeter {
  const { store, prices } = options;
  const now = options.now ?? Date.now;
  const utcDay = utcDayMemo();
  const local = new Map<string, LocalSpend>();
  const emit = (event: UsageEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A subscriber's bug must not lose a count.
    }
  };

  function countLocally(key: string, day: string, nano: number): void {
    const spend = local.get(key);
    if (spend === undefined || spend.day !== day) {
      const sameMonth = spend !== undefined && monthOf(spend.day) === monthOf(day);
      local.set(key, { day, dayNano: nano, monthNano: (sameMonth ? spend.monthNano : 0) + nano });
      return;
    }
    spend.dayNano += nano;
    spend.monthNano += nano;
  }

  function record(key: string, model: string, counts: UsageCounts): void {
    const day = utcDay(now());
    if (counts.cost_nano_usd > 0) countLocally(key, day, counts.cost_nano_usd);
    emit({ type: 'recorded', key, model, counts });
    store
      .add(key, { day, model, counts })
      .catch((error: unknown) => emit({ type: 'write-failed', key, error }));
  }

  return {
    fresh(key, model, { tokens, estimated }) {
      record(
        key,
        model,
        freshCounts(tokens, { price: Object.hasOwn(prices, model) ? prices[model] : undefined, estimated }),
      );
    },
    saved(key, model, tokens) {
      record(key, model, savedCounts(tokens));
    },
    async spent(key) {
      const day = utcDay(now());
      const own = local.get(key);
      const mine = own?.day === day ? own : undefined;
      const stored = await store.spent(key, day).catch(() => ({ day: 0, month: 0 }));
      const sameMonth = own !== undefined && monthOf(own.day) === monthOf(day);
      return {
        daily: Math.max(stored.day, mine?.dayNano ?? 0) / 1e9,
        monthly: Math.max(stored.month, sameMonth ? own.monthNano : 0) / 1e9,
      };
    },
    async report(query) {
      return usageReport(query, await store.rows(query.key, daysBetween(query.from, query.to)));
    },
    today: () => utcDay(now()),
  };
}
