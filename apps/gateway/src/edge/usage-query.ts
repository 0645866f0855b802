// GET /v1/usage and tRPC `usage`: the query both transports answer, checked once (days, range, whose usage).
import { GatewayError } from '@llm-gateway/contracts';
import { ANONYMOUS_CALLER, type KeyPolicy, type UsageMeter, type UsageReport } from '@llm-gateway/core';
import { z } from 'zod';

/** The longest range one query may ask for (a year and a day). */
export const MAX_USAGE_DAYS = 366;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
      new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
  );

/** The query's fields, as REST's query string and the tRPC input carry them. */
export const usageQueryInput = z
  .object({ from: z.string().optional(), to: z.string().optional(), key: z.string().max(200).optional() })
  .optional();

export type UsageQuery = z.infer<typeof usageQueryInput>;

function badDay(param: 'from' | 'to'): GatewayError {
  return new GatewayError('invalid_request', `'${param}' must be a UTC day as YYYY-MM-DD.`, { param });
}

/**
 * The caller's own usage, or with an admin key any key's (`key`). Days are UTC, both ends included,
 * default today; at most MAX_USAGE_DAYS.
 */
export async function queryUsage(
  meter: UsageMeter | undefined,
  { query, caller }: { query: UsageQuery; caller: KeyPolicy | undefined },
): Promise<UsageReport> {
  if (meter === undefined) {
    throw new GatewayError('not_found', 'Usage accounting is off on this gateway (USAGE_ENABLED=false).');
  }
  const who = caller ?? ANONYMOUS_CALLER;
  const today = meter.today();
  const from = query?.from ?? query?.to ?? today;
  const to = query?.to ?? (query?.from === undefined ? today : from);
  if (!day.safeParse(from).success) throw badDay('from');
  if (!day.safeParse(to).success) throw badDay('to');
  if (from > to)
    throw new GatewayError('invalid_request', "'from' must not be after 'to'.", { param: 'from' });
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > MAX_USAGE_DAYS) {
    throw new GatewayError('invalid_request', `Ask for at most ${MAX_USAGE_DAYS} days at once.`, {
      param: 'to',
    });
  }
  const key = query?.key ?? who.name;
  if (key !== who.name && !who.admin) {
    throw new GatewayError('permission_denied', "Only an admin key may read another key's usage.", {
      param: 'key',
    });
  }
  return meter.report({ key, from, to });
}
