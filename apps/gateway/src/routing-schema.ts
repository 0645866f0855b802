// The shape of the GATEWAY_CONFIG file (issue 14's contract) as zod schemas: every object strict.
import { z } from 'zod';
import { ENV_VARIABLE_NAME, strict } from './file-schema-parts.js';
import { KEYS_SECTION, PRICES_SECTION } from './keys-schema.js';

export { ENV_VARIABLE_NAME };

/** Node's longest timer: a longer timeout would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const integer = (min: number, max: number, message: string) =>
  z.int({ error: message }).min(min, { error: message }).max(max, { error: message });

const isHttpUrl = (value: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Credentials in a URL would put a key in the file, which the file never holds. */
const hasNoCredentials = (value: string): boolean => {
  try {
    const parsed = new URL(value);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true;
  }
};

const headerName = z
  .string()
  .regex(HEADER_NAME, { error: 'not a valid HTTP header name' })
  // The key comes from api_key_env: a header would put it in the file.
  .refine((name) => name.toLowerCase() !== 'authorization', {
    error: 'Authorization is sent from api_key_env (keys never live in the file)',
  });

const headerValue = z
  .string({ error: 'expected a string (quote numbers)' })
  .regex(/^[^\r\n\0]*$/, { error: 'must not contain line breaks' });

/** One OpenAI-compatible provider, or one of its keys. */
const upstreamSchema = strict(
  {
    base_url: z
      .string({ error: 'expected an http or https URL' })
      .refine(isHttpUrl, { error: 'expected an http or https URL' })
      .refine(hasNoCredentials, { error: 'must not hold credentials (the key goes in api_key_env)' }),
    api_key_env: z
      .string({ error: 'expected the name of an environment variable' })
      .regex(ENV_VARIABLE_NAME, {
        error: 'expected the name of an environment variable (the key itself never goes in the file)',
      })
      .optional(),
    timeout_ms: integer(1, MAX_TIMER_MS, `expected an integer from 1 to ${MAX_TIMER_MS}`).optional(),
    max_concurrent: integer(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer').optional(),
    headers: z
      .record(headerName, headerValue, { error: 'expected a mapping of header names to values' })
      .optional(),
  },
  'expected a mapping with base_url and optional api_key_env, timeout_ms, max_concurrent, headers',
);

/** One place a route may send a call. */
const targetSchema = strict(
  {
    upstream: z.string({ error: 'expected the name of an upstream' }),
    model: z.string({ error: "expected the upstream's model name" }).min(1, { error: 'must not be empty' }),
    weight: integer(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer').default(1),
    /** Absent: the target's list position (filled in by routing-file.ts, which knows it). */
    priority: integer(0, Number.MAX_SAFE_INTEGER, 'expected a non-negative integer').optional(),
  },
  'expected a mapping with upstream, model and optional weight, priority',
);

const routeSchema = strict(
  {
    targets: z.array(targetSchema, { error: 'expected a list of targets' }).min(1, {
      error: 'needs at least one target',
    }),
    hidden: z.boolean({ error: 'expected true or false' }).default(false),
  },
  'expected a mapping with targets and optional hidden',
);

/** Names used in routes, logs, metric labels and the x-gateway-upstream header. */
const upstreamName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: 'upstream names use letters, digits, ".", "_" and "-"',
});

/**
 * The file's top-level sections. Upstreams, routes and default_route come together or not at all
 * (then the env variables describe the one upstream, as without a file); keys and prices are issue 15's.
 */
const SECTIONS = {
  upstreams: z
    .record(upstreamName, upstreamSchema, { error: 'expected a mapping of upstream names' })
    .optional(),
  routes: z
    .record(z.string().min(1, { error: 'an alias must not be empty' }), routeSchema, {
      error: 'expected a mapping of model names (aliases) to routes',
    })
    .optional(),
  default_route: z.string({ error: 'expected the alias of a route' }).optional(),
  passthrough_unknown_models: z.boolean({ error: 'expected true or false' }).default(false),
  keys: KEYS_SECTION.optional(),
  prices: PRICES_SECTION.optional(),
};

/** The whole file. Parse with `reportInput: true` so missing fields are told from wrong ones. */
export const ROUTING_FILE_SCHEMA = strict(
  SECTIONS,
  `expected a mapping with ${Object.keys(SECTIONS).join(', ')}`,
);

/** The file as zod gives it: defaults filled in, except each target's priority (its position). */
export type RoutingFile = z.output<typeof ROUTING_FILE_SCHEMA>;
