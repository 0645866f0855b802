// Usage counters in Redis: one hash per key and day, HINCRBY per counter, shared by every instance.
import type { ChainableCommander } from 'ioredis';
import { withDeadline } from '../redis/with-deadline.js';
import { emptyCounts, USAGE_FIELDS, type UsageField } from './usage-counts.js';
import { monthOf, USAGE_RETENTION_DAYS, type UsageRow, type UsageStore } from './usage-store.js';

/** What the store needs of a client: pipelines (a single server, Sentinel's primary or a Cluster). */
export interface PipelineClient {
  pipeline(): ChainableCommander;
}

export interface RedisUsageStoreOptions {
  redis: PipelineClient;
  /** e.g. `llm-gateway:`; the key's hash tag starts with it. */
  keyPrefix: string;
  /**
   * Bound on the budget read (`spent`), which a request with a budget waits for: a Cluster retries
   * across a failover for longer than any one command timeout (absent: no bound of its own).
   */
  deadlineMs?: number | undefined;
}

const RETENTION_SECONDS = USAGE_RETENTION_DAYS * 86_400;
/** The day hash's field with the day's cost over all models (what the daily budget reads). */
const DAY_COST = 'cost_nano_usd|*';
const MONTH_COST = 'cost_nano_usd';

const isField = (name: string): name is UsageField => (USAGE_FIELDS as readonly string[]).includes(name);

/**
 * Keys: `{<prefix>usage:<name>}:<day>` (fields `<counter>|<model>`) and `{<prefix>usage:<name>}:m:<month>`.
 * Every key of one API key shares the hash tag in braces, so a pipeline of them lands in one slot of a
 * Redis Cluster. Each counter is its own HINCRBY: atomic, so instances never lose each other's counts.
 */
export function createRedisUsageStore({ redis, keyPrefix, deadlineMs }: RedisUsageStoreOptions): UsageStore {
  const tag = (key: string) => `{${keyPrefix}usage:${key}}`;
  const dayKey = (key: string, day: string) => `${tag(key)}:${day}`;
  const monthKey = (key: string, day: string) => `${tag(key)}:m:${monthOf(day)}`;

  async function run(pipeline: ChainableCommander): Promise<Array<[Error | null, unknown]>> {
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
    return results;
  }

  return {
    backend: 'redis',
    async add(key, { day, model, counts }) {
      const pipeline = redis.pipeline();
      const hash = dayKey(key, day);
      for (const field of USAGE_FIELDS) {
        if (counts[field] !== 0) pipeline.hincrby(hash, `${field}|${model}`, counts[field]);
      }
      pipeline.hincrby(hash, DAY_COST, counts.cost_nano_usd);
      pipeline.expire(hash, RETENTION_SECONDS);
      const month = monthKey(key, day);
      pipeline.hincrby(month, MONTH_COST, counts.cost_nano_usd);
      pipeline.expire(month, RETENTION_SECONDS);
      await run(pipeline);
    },

    async rows(key, days) {
      const pipeline = redis.pipeline();
      for (const day of days) pipeline.hgetall(dayKey(key, day));
      const results = await run(pipeline);
      return days.flatMap((day, index) => rowsOf(day, results[index]?.[1]));
    },

    async spent(key, day) {
      const read = run(
        redis.pipeline().hget(dayKey(key, day), DAY_COST).hget(monthKey(key, day), MONTH_COST),
      );
      const results = await (deadlineMs === undefined ? read : withDeadline(read, deadlineMs, 'usage read'));
      return { day: Number(results[0]?.[1] ?? 0), month: Number(results[1]?.[1] ?? 0) };
    },
  };
}

/** A day hash's fields as rows, one per model. */
function rowsOf(day: string, hash: unknown): UsageRow[] {
  if (typeof hash !== 'object' || hash === null) return [];
  const byModel = new Map<string, UsageRow>();
  for (const [name, value] of Object.entries(hash as Record<string, string>)) {
    const bar = name.indexOf('|');
    const field = name.slice(0, bar);
    const model = name.slice(bar + 1);
    if (bar === -1 || model === '*' || !isField(field)) continue;
    let row = byModel.get(model);
    if (row === undefined) {
      row = { day, model, counts: emptyCounts() };
      byModel.set(model, row);
    }
    row.counts[field] = Number(value);
  }
  return [...byModel.values()];
}
