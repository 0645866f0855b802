// Usage writes gathered for a few milliseconds and sent as one write per key, day and model: Redis off the request path.
import { addCounts, type UsageCounts } from './usage-counts.js';
import type { UsageRow, UsageStore } from './usage-store.js';

export interface BatchedUsageStore extends UsageStore {
  /** Sends what is gathered now (at shutdown, and before every read). */
  flush(): Promise<void>;
}

export interface BatchedUsageStoreOptions {
  /** How long counts gather before they are sent (the cross-instance lag of budgets and reports). */
  flushMs: number;
  /** A failed write (its counts are lost; the meter's own per-instance spend still holds). */
  onError: (key: string, error: unknown) => void;
  /** Keys written at once, not gathered (those with a budget: other instances check it per request). */
  immediate?: ((key: string) => boolean) | undefined;
}

/**
 * One Redis pipeline per request (a dozen HINCRBYs) cost the miss path about a third of its
 * throughput in the benchmark; gathered, a busy key costs one pipeline per `flushMs`. A report
 * flushes first, so it shows this instance's own counts; a budget check adds them itself (usage-meter.ts).
 */
export function createBatchedUsageStore(
  store: UsageStore,
  options: BatchedUsageStoreOptions,
): BatchedUsageStore {
  let pending = new Map<string, { key: string; row: UsageRow }>();
  let timer: NodeJS.Timeout | undefined;

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = new Map();
    return Promise.all(
      [...batch.values()].map(({ key, row }) =>
        store.add(key, row).catch((error: unknown) => options.onError(key, error)),
      ),
    ).then(() => undefined);
  }

  return {
    backend: store.backend,
    add(key, row) {
      if (options.immediate?.(key)) {
        return store.add(key, row).catch((error: unknown) => options.onError(key, error));
      }
      const id = `${key}\n${row.day}\n${row.model}`;
      const gathered = pending.get(id);
      if (gathered) addCounts(gathered.row.counts, row.counts);
      else pending.set(id, { key, row: { ...row, counts: { ...row.counts } as UsageCounts } });
      if (timer === undefined) {
        timer = setTimeout(() => void flush(), options.flushMs);
        timer.unref();
      }
      return Promise.resolve();
    },
    async rows(key, days) {
      await flush();
      return store.rows(key, days);
    },
    // No flush here (it runs per request for a key with a budget): the meter adds its own count.
    spent: (key, day) => store.spent(key, day),
    flush,
  };
}
