// The only reader of process.env: parses every variable with zod into one frozen, typed config.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      if (['true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off'].includes(value)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` });
      return z.NEVER;
    });

/** A numeric variable: `whole` numbers within [min, max], or any finite number above `min` (exclusive). */
const numeric = (fallback: number, rule: { whole: boolean; min: number; max?: number }) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
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

const int = (fallback: number, min: number, max?: number) =>
  numeric(fallback, { whole: true, min, ...(max === undefined ? {} : { max }) });
/** Seconds, fractions allowed (tests shorten the breaker to half a second). */
const seconds = (fallback: number) => numeric(fallback, { whole: false, min: 0 });

const text = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : value));

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const url = (fallback: string | undefined, protocols: readonly string[]) =>
  optionalText.transform((value, ctx) => {
    const raw = value ?? fallback;
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(' or ')} URL` });
      return z.NEVER;
    }
  });

/** Every variable the gateway reads, with its default. `.env.example` mirrors this list. */
const envSchema = z.object({
  NODE_ENV: text('development'),
  SERVICE_NAME: text('llm-gateway'),
  HOST: text('0.0.0.0'),
  PORT: int(8001, 0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PROXYAPI_API_KEY: optionalText,
  OPENROUTER_BASE_URL: url('https://api.proxyapi.ru/openrouter/v1', ['http:', 'https:']),
  VITTE_LLM_MODEL: text('deepseek/deepseek-v3.2'),
  UPSTREAM_TIMEOUT_MS: int(120_000, 1),
  BODY_LIMIT_BYTES: int(1_048_576, 1024),
  REDIS_URL: url(undefined, ['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: text('llm-gateway:'),
  REDIS_COMMAND_TIMEOUT_MS: int(250, 1),
  CACHE_TTL: int(3600, 1),
  CACHE_ENABLED: bool(true),
  CACHE_MAX_ENTRIES: int(10_000, 1),
  CACHE_MAX_BYTES: int(64 * 1024 * 1024, 1024),
  RATE_LIMIT_REQUESTS_PER_MINUTE: int(100, 1),
  RATE_LIMIT_ENABLED: bool(true),
  CIRCUIT_BREAKER_FAILURE_THRESHOLD: int(5, 1),
  CIRCUIT_BREAKER_TIMEOUT: seconds(60),
  CIRCUIT_BREAKER_ENABLED: bool(true),
  STREAMING_ENABLED: bool(true),
  RETRY_MAX_ATTEMPTS: int(3, 1, 10),
  RETRY_BASE_DELAY_MS: int(500, 0),
  RETRY_MAX_DELAY_MS: int(8000, 0),
  RETRY_AFTER_CAP_MS: int(10_000, 0),
  RETRY_DEADLINE_MS: int(60_000, 1),
  GATEWAY_API_KEYS: optionalText,
  GATEWAY_API_KEYS_FILE: optionalText,
  METRICS_REQUIRE_API_KEY: bool(false),
  RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: int(0, 0),
  SHUTDOWN_TIMEOUT_MS: int(25_000, 0),
  MAX_MESSAGES: int(2048, 1),
  STREAM_IDLE_TIMEOUT_MS: int(60_000, 1),
  STREAM_MAX_DURATION_MS: int(600_000, 1),
  UPSTREAM_MAX_CONCURRENT: int(1024, 1),
  UPSTREAM_QUEUE_MAX: int(1024, 0),
  UPSTREAM_QUEUE_TIMEOUT_MS: int(2000, 0),
});

export type EnvInput = Readonly<Record<string, string | undefined>>;

/** Every variable the gateway reads (ENV_FILE is read by loadConfig before the others). */
export const CONFIG_VARIABLES: readonly string[] = [...Object.keys(envSchema.shape), 'ENV_FILE'];

export interface GatewayConfig {
  readonly env: 'production' | 'development' | 'test';
  readonly service: {
    readonly name: string;
    readonly version: string;
    readonly host: string;
    readonly port: number;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly upstream: {
    /** `demo`: no PROXYAPI_API_KEY, the embedded simulator answers. */
    readonly mode: 'real' | 'demo';
    readonly baseUrl: string;
    readonly apiKey: string | undefined;
    readonly defaultModel: string;
    readonly timeoutMs: number;
  };
  readonly http: { readonly bodyLimitBytes: number };
  readonly redis: {
    readonly url: string | undefined;
    readonly keyPrefix: string;
    readonly commandTimeoutMs: number;
  };
  readonly retry: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** The longest upstream Retry-After the gateway waits for; longer → the client gets it. */
    readonly retryAfterCapMs: number;
    /** Total time budget of one request across attempts; no retry starts after it. */
    readonly deadlineMs: number;
  };
  readonly cache: {
    readonly enabled: boolean;
    readonly ttlSeconds: number;
    /** Bounds of the in-memory cache (used when REDIS_URL is not set). */
    readonly maxEntries: number;
    readonly maxBytes: number;
  };
  readonly rateLimit: { readonly enabled: boolean; readonly requestsPerMinute: number };
  readonly circuitBreaker: {
    readonly enabled: boolean;
    readonly failureThreshold: number;
    readonly timeoutSeconds: number;
  };
  readonly streaming: { readonly enabled: boolean };
  readonly auth: {
    /** Inbound keys; empty: the gateway is open (no Authorization needed). */
    readonly apiKeys: readonly string[];
    /** Also require a key for /metrics and /metrics/prometheus. */
    readonly protectMetrics: boolean;
    /** Per-key bucket on top of the global one; undefined: off. */
    readonly perKeyRequestsPerMinute: number | undefined;
  };
  /** How long in-flight requests and streams may run on after SIGTERM before they are ended. */
  readonly shutdown: { readonly timeoutMs: number };
  readonly limits: {
    readonly maxMessages: number;
    /** Longest silence between two upstream stream chunks. */
    readonly streamIdleTimeoutMs: number;
    /** Longest a stream may run in total. */
    readonly streamMaxDurationMs: number;
    /** Upstream calls in flight at once (a stream holds its slot until it ends). */
    readonly maxConcurrentUpstream: number;
    /** Requests that may wait for a slot; more are refused at once with 503. */
    readonly upstreamQueueMax: number;
    /** Longest wait for a slot before 503. */
    readonly upstreamQueueTimeoutMs: number;
  };
}

/** Start-up refused: `problems` names each bad variable and why. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const GATEWAY_VERSION = '1.0.0';

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}

/** Keys separated by commas, spaces or newlines; in a file, `#` starts a comment. */
function splitKeys(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(',')
    .split(/[\s,]+/)
    .filter((key) => key !== '');
}

function readKeysFile(path: string, readFile: (path: string) => string): string[] {
  try {
    return splitKeys(readFile(path));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError([`GATEWAY_API_KEYS_FILE: cannot read ${path} (${reason})`]);
  }
}

/** Builds the config from a plain object of variables (tests pass one; main passes the environment). */
export function parseConfig(
  env: EnvInput,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): GatewayConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = result.data;
  const nodeEnv = e.NODE_ENV === 'production' || e.NODE_ENV === 'test' ? e.NODE_ENV : 'development';
  if (nodeEnv === 'production' && e.PROXYAPI_API_KEY === undefined) {
    throw new ConfigError([
      'PROXYAPI_API_KEY: required when NODE_ENV=production (demo mode is for development only)',
    ]);
  }
  const apiKeys = [
    ...new Set([
      ...splitKeys(e.GATEWAY_API_KEYS),
      ...(e.GATEWAY_API_KEYS_FILE === undefined ? [] : readKeysFile(e.GATEWAY_API_KEYS_FILE, readFile)),
    ]),
  ];
  if (e.GATEWAY_API_KEYS_FILE !== undefined && apiKeys.length === 0) {
    throw new ConfigError(['GATEWAY_API_KEYS_FILE: the file holds no keys (the gateway would be open)']);
  }
  if (e.RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE > 0 && apiKeys.length === 0) {
    throw new ConfigError([
      'RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: needs GATEWAY_API_KEYS (without keys every caller is the same)',
    ]);
  }
  return deepFreeze({
    env: nodeEnv,
    service: { name: e.SERVICE_NAME, version: GATEWAY_VERSION, host: e.HOST, port: e.PORT },
    logLevel: e.LOG_LEVEL,
    upstream: {
      mode: e.PROXYAPI_API_KEY === undefined ? 'demo' : 'real',
      baseUrl: e.OPENROUTER_BASE_URL ?? 'https://api.proxyapi.ru/openrouter/v1',
      apiKey: e.PROXYAPI_API_KEY,
      defaultModel: e.VITTE_LLM_MODEL,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
    },
    http: { bodyLimitBytes: e.BODY_LIMIT_BYTES },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    retry: {
      maxAttempts: e.RETRY_MAX_ATTEMPTS,
      baseDelayMs: e.RETRY_BASE_DELAY_MS,
      maxDelayMs: e.RETRY_MAX_DELAY_MS,
      retryAfterCapMs: e.RETRY_AFTER_CAP_MS,
      deadlineMs: e.RETRY_DEADLINE_MS,
    },
    cache: {
      enabled: e.CACHE_ENABLED,
      ttlSeconds: e.CACHE_TTL,
      maxEntries: e.CACHE_MAX_ENTRIES,
      maxBytes: e.CACHE_MAX_BYTES,
    },
    rateLimit: { enabled: e.RATE_LIMIT_ENABLED, requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE },
    circuitBreaker: {
      enabled: e.CIRCUIT_BREAKER_ENABLED,
      failureThreshold: e.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
      timeoutSeconds: e.CIRCUIT_BREAKER_TIMEOUT,
    },
    streaming: { enabled: e.STREAMING_ENABLED },
    auth: {
      apiKeys,
      protectMetrics: e.METRICS_REQUIRE_API_KEY,
      perKeyRequestsPerMinute:
        e.RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE === 0 ? undefined : e.RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE,
    },
    shutdown: { timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    limits: {
      maxMessages: e.MAX_MESSAGES,
      streamIdleTimeoutMs: e.STREAM_IDLE_TIMEOUT_MS,
      streamMaxDurationMs: e.STREAM_MAX_DURATION_MS,
      maxConcurrentUpstream: e.UPSTREAM_MAX_CONCURRENT,
      upstreamQueueMax: e.UPSTREAM_QUEUE_MAX,
      upstreamQueueTimeoutMs: e.UPSTREAM_QUEUE_TIMEOUT_MS,
    },
  });
}

/** The nearest `.env` from `startDir` upward (so `pnpm start` in apps/gateway finds the repo's file). */
export function findEnvFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, '.env');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads the process environment over an optional `.env` file (real variables win). */
export function loadConfig(options: { env?: EnvInput; cwd?: string } = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = env.ENV_FILE ?? findEnvFile(options.cwd ?? process.cwd());
  const fromFile = file === undefined ? {} : parseEnv(readFileSync(file, 'utf8'));
  return parseConfig({ ...fromFile, ...env });
}
