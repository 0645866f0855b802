// Prometheus counters of usage: tokens and cost by key name and model (label sets bounded by the config).
import type { UsageEvent } from '@llm-gateway/core';
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
  const tokens = new Counter({
    name: 'llm_gateway_usage_tokens_total',
    help: 'Tokens by API key name, model and type (prompt, completion, reasoning, cached_prompt; saved: served by the cache).',
    labelNames: ['key', 'model', 'type'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'llm_gateway_usage_cost_usd_total',
    help: 'Cost in USD by API key name and model (priced models only; see llm_gateway_usage_unpriced_requests_total).',
    labelNames: ['key', 'model'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'llm_gateway_usage_requests_total',
    help: 'Answered requests by API key name, model and whether the cache (or an identical call) served them.',
    labelNames: ['key', 'model', 'cached'],
    registers: [registry],
  });
  const unpriced = new Counter({
    name: 'llm_gateway_usage_unpriced_requests_total',
    help: 'Answered requests whose model has no price in the config (their cost is unknown).',
    labelNames: ['key', 'model'],
    registers: [registry],
  });
  return (event) => {
    if (event.type !== 'recorded') return;
    const { key, counts } = event;
    const model = models.has(event.model) ? event.model : OTHER_MODEL;
    for (const [type, field] of TOKEN_TYPES) {
      if (counts[field] > 0) tokens.inc({ key, model, type }, counts[field]);
    }
    if (counts.cost_nano_usd > 0) cost.inc({ key, model }, counts.cost_nano_usd / 1e9);
    requests.inc({ key, model, cached: counts.cached_requests > 0 ? 'true' : 'false' });
    if (counts.unpriced_requests > 0) unpriced.inc({ key, model });
  };
}
