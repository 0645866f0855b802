// Prometheus counters of usage: tokens and cost by key name and model (label sets bounded by the config).
// Counts gather per key and model in plain numbers and reach the counters when Prometheus scrapes.
import { addCounts, emptyCounts, type UsageCounts, type UsageEvent } from '@llm-gateway/core';
import { Counter, type Registry } from 'prom-client';

/** Models outside the config (passed through) share one label value, so a client cannot grow the series. */
export const OTHER_MODEL = 'other';

const TOKEN_TYPES = [
  ['prompt', 'prompt_tokens'],
  ['completion', 'completion_tokens'],
  ['reasoning', 'reasoning_tokens'],
  ['cached_prompt', 'cached_prompt_tokens'],
  ['saved', 'saved_tokens'],
] as const;

/**
 * Registers the counters and returns the usage listener. `keyNames`: the names a key can have (the
 * file's, and plain keys' ids), so `key` is bounded; `models`: every model the config names.
 */
export function createUsageMetrics(
  registry: Registry,
  { models }: { models: ReadonlySet<string> },
): (event: UsageEvent) => void {
  // prom-client hashes the labels of every inc(); five incs per answered request were most of what
  // these metrics cost. Counts are added up here instead, and handed to the counters at scrape time.
  const pending = new Map<string, { key: string; model: string; counts: UsageCounts }>();
  const flush = () => {
    for (const { key, model, counts } of pending.values()) {
      for (const [type, field] of TOKEN_TYPES) {
        if (counts[field] > 0) tokens.inc({ key, model, type }, counts[field]);
      }
      if (counts.cost_nano_usd > 0) cost.inc({ key, model }, counts.cost_nano_usd / 1e9);
      const fresh = counts.requests - counts.cached_requests;
      if (fresh > 0) requests.inc({ key, model, cached: 'false' }, fresh);
      if (counts.cached_requests > 0) requests.inc({ key, model, cached: 'true' }, counts.cached_requests);
      if (counts.unpriced_requests > 0) unpriced.inc({ key, model }, counts.unpriced_requests);
    }
    pending.clear();
  };
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry], collect: flush });
  const tokens = counter(
    'llm_gateway_usage_tokens_total',
    'Tokens by API key name, model and type (prompt, completion, reasoning, cached_prompt; saved: served by the cache).',
    ['key', 'model', 'type'],
  );
  const cost = counter(
    'llm_gateway_usage_cost_usd_total',
    'Cost in USD by API key name and model (priced models only; see llm_gateway_usage_unpriced_requests_total).',
    ['key', 'model'],
  );
  const requests = counter(
    'llm_gateway_usage_requests_total',
    'Answered requests by API key name, model and whether the cache (or an identical call) served them.',
    ['key', 'model', 'cached'],
  );
  const unpriced = counter(
    'llm_gateway_usage_unpriced_requests_total',
    'Answered requests whose model has no price in the config (their cost is unknown).',
    ['key', 'model'],
  );
  return (event) => {
    if (event.type !== 'recorded') return;
    const { key } = event;
    const model = models.has(event.model) ? event.model : OTHER_MODEL;
    const id = `${key}\n${model}`;
    const entry = pending.get(id);
    if (entry) addCounts(entry.counts, event.counts);
    else pending.set(id, { key, model, counts: addCounts(emptyCounts(), event.counts) });
  };
}
