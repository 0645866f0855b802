// The `keys` and `prices` sections of the GATEWAY_CONFIG file (issue 15's contract) as zod schemas.
import { z } from 'zod';
import { ENV_VARIABLE_NAME, strict } from './file-schema-parts.js';

/** Shown in usage, logs and metric labels: letters, digits, ".", "_" and "-". */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const count = z
  .int({ error: 'expected a positive integer' })
  .min(1, { error: 'expected a positive integer' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'expected a positive integer' });

const usd = z
  .number({ error: 'expected an amount in USD (a number)' })
  .positive({ error: 'expected an amount in USD above 0' })
  .refine(Number.isFinite, { error: 'expected a finite amount' });

/** USD per 1M tokens. */
const pricePerMillion = z
  .number({ error: 'expected USD per 1M tokens (a number)' })
  .min(0, { error: 'expected USD per 1M tokens, 0 or more' })
  .refine(Number.isFinite, { error: 'expected a finite price' });

const keySchema = strict(
  {
    name: z.string({ error: 'expected a name' }).regex(KEY_NAME, {
      error: 'key names use letters, digits, ".", "_" and "-"',
    }),
    key_env: z
      .string({ error: 'expected the name of an environment variable' })
      .regex(ENV_VARIABLE_NAME, {
        error: 'expected the name of an environment variable (the key itself never goes in the file)',
      })
      .optional(),
    key_sha256: z
      .string({ error: "expected the key's SHA-256 as 64 hex digits" })
      .regex(/^[0-9a-fA-F]{64}$/, { error: "expected the key's SHA-256 as 64 hex digits" })
      .optional(),
    models: z
      .array(z.string().min(1, { error: 'must not be empty' }), { error: 'expected a list of aliases' })
      .optional(),
    requests_per_minute: count.optional(),
    tokens_per_minute: count.optional(),
    budget_usd: strict(
      { daily: usd.optional(), monthly: usd.optional() },
      'expected a mapping with daily and/or monthly',
    ).optional(),
    admin: z.boolean({ error: 'expected true or false' }).default(false),
  },
  'expected a mapping with name, key_env or key_sha256, and optional models, requests_per_minute, tokens_per_minute, budget_usd, admin',
);

const priceSchema = strict(
  { prompt: pricePerMillion, completion: pricePerMillion, cached_prompt: pricePerMillion.optional() },
  'expected a mapping with prompt, completion and optional cached_prompt (USD per 1M tokens)',
);

export const KEYS_SECTION = z.array(keySchema, { error: 'expected a list of keys' });

export const PRICES_SECTION = z.record(
  z.string().min(1, { error: 'a model name must not be empty' }),
  priceSchema,
  {
    error: 'expected a mapping of model names to prices',
  },
);

export type FileKey = z.output<typeof keySchema>;
