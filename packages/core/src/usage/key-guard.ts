// The checks a key's settings put before any answer, cache hits included: allowed models, daily and monthly budget.
import { GatewayError } from '@llm-gateway/contracts';
import type { KeyPolicy } from './key-policy.js';
import type { UsageMeter } from './usage-meter.js';

const usd = (amount: number) => `$${amount}`;

/** Ms from `now` to the next UTC midnight, or to the first of next month. */
function msUntilReset(now: number, period: 'daily' | 'monthly'): number {
  const date = new Date(now);
  const next =
    period === 'daily'
      ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
      : Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return next - now;
}

function quotaError(caller: KeyPolicy, period: 'daily' | 'monthly', now: number): GatewayError {
  const budget = period === 'daily' ? caller.budgetUsd?.daily : caller.budgetUsd?.monthly;
  const resets = period === 'daily' ? 'at 00:00 UTC' : 'on the first of the month (UTC)';
  return new GatewayError(
    'insufficient_quota',
    `You exceeded your current quota: the ${period} budget of this API key (${usd(budget ?? 0)}) is spent. It resets ${resets}.`,
    { retryAfterMs: msUntilReset(now, period) },
  );
}

/**
 * Throws `permission_denied` for a model the key may not use and `insufficient_quota` once its daily or
 * monthly budget is spent (the request that crosses it is answered; the next is not). Undefined (no
 * promise, no wait) for a key with neither setting.
 */
export function guardKey(
  caller: KeyPolicy,
  alias: string,
  options: { meter: UsageMeter | undefined; now: () => number },
): Promise<void> | undefined {
  if (caller.models !== undefined && !caller.models.includes(alias)) {
    throw new GatewayError(
      'permission_denied',
      `This API key may not use the model '${alias}' (allowed: ${caller.models.join(', ') || 'none'}).`,
      { param: 'model' },
    );
  }
  const budget = caller.budgetUsd;
  const { meter, now } = options;
  if (budget === undefined || meter === undefined) return undefined;
  if (budget.daily === undefined && budget.monthly === undefined) return undefined;
  return meter.spent(caller.name).then((spent) => {
    if (budget.daily !== undefined && spent.daily >= budget.daily) throw quotaError(caller, 'daily', now());
    if (budget.monthly !== undefined && spent.monthly >= budget.monthly)
      throw quotaError(caller, 'monthly', now());
  });
}
