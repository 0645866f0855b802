// Zod parsers that turn one raw environment string into a typed value, with the default when empty.
import { z } from 'zod';

/** Unset and empty both mean "use the default": `.env.example` lists every variable with an empty value. */
const raw = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

export const optionalText = raw;

export const text = (fallback: string) => raw.transform((value) => value ?? fallback);

export const bool = (fallback: boolean) =>
  raw.transform((value, ctx) => {
    const word = value?.toLowerCase();
    if (word === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(word)) return true;
    if (['false', '0', 'no', 'off'].includes(word)) return false;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got "${word}"` });
    return z.NEVER;
  });

/** A numeric variable: `whole` numbers within [min, max], or any finite number above `min` (exclusive). */
const numeric = (fallback: number, rule: { whole: boolean; min: number; max?: number }) =>
  raw.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    const max = rule.max ?? Number.MAX_SAFE_INTEGER;
    const ok = rule.whole
      ? Number.isInteger(n) && n >= rule.min && n <= max
      : Number.isFinite(n) && n > rule.min;
    if (!ok) {
      const expected = rule.whole ? `an integer from ${rule.min} to ${max}` : `a number above ${rule.min}`;
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got "${value}"` });
      return z.NEVER;
    }
    return n;
  });

export const int = (fallback: number, min: number, max?: number) =>
  numeric(fallback, { whole: true, min, ...(max === undefined ? {} : { max }) });

/** Seconds, fractions allowed (tests shorten the breaker to half a second). */
export const seconds = (fallback: number) => numeric(fallback, { whole: false, min: 0 });

const checkUrl = (value: string, protocols: readonly string[], ctx: z.RefinementCtx) => {
  try {
    if (protocols.includes(new URL(value).protocol)) return value;
  } catch {
    // Reported below, like a URL of the wrong protocol.
  }
  ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(' or ')} URL` });
  return z.NEVER;
};

export const url = (fallback: string, protocols: readonly string[]) =>
  raw.transform((value, ctx) => checkUrl(value ?? fallback, protocols, ctx));

export const optionalUrl = (protocols: readonly string[]) =>
  raw.transform((value, ctx) => (value === undefined ? undefined : checkUrl(value, protocols, ctx)));

/** Keys separated by commas, spaces or newlines; `#` starts a comment (the same rules as the keys file). */
export function splitKeys(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(',')
    .split(/[\s,]+/)
    .filter((key) => key !== '');
}

export const keyList = raw.transform(splitKeys);

/** `host:port` pairs separated by commas or spaces (cluster nodes, sentinels); empty: none. */
export const hostPortList = raw.transform((value, ctx) => {
  const addresses: { host: string; port: number }[] = [];
  for (const item of splitKeys(value)) {
    const match = /^(.+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (match?.[1] === undefined || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `expected host:port, got "${item}"` });
      return z.NEVER;
    }
    addresses.push({ host: match[1].replace(/^\[(.*)\]$/, '$1'), port });
  }
  return addresses;
});

/** Anything but `production` or `test` runs as `development` (as Node tooling treats NODE_ENV). */
export const nodeEnv = text('development').transform((value) =>
  value === 'production' || value === 'test' ? value : ('development' as const),
);
