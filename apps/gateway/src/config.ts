// The only reader of process.env: parses the variables declared in config-schema.ts into one frozen config.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import {
  CONFIG_SCHEMA,
  fillIn,
  type Parsed,
  SSE_RECONNECT_AFTER_INACTIVITY_MS,
  settingsOf,
} from './config-schema.js';
import { splitKeys } from './env-parsers.js';
import { type AccessConfig, NO_ACCESS_CONFIG } from './keys-file.js';
import { redisTopologyOf } from './redis-config.js';
import { type RoutingConfig, readRoutingFile, routingFromEnv } from './routing-file.js';

export type { AccessConfig, ConfiguredKey } from './keys-file.js';
export type { RoutingConfig } from './routing-file.js';
export { SSE_RECONNECT_AFTER_INACTIVITY_MS };

export type EnvInput = Readonly<Record<string, string | undefined>>;

const SETTINGS = settingsOf(CONFIG_SCHEMA);

/** The flat schema zod checks the environment with: one key per variable. */
const envSchema = z.object(Object.fromEntries(SETTINGS.map((setting) => [setting.variable, setting.schema])));

/** Read by loadConfig to find the file the other variables may come from; not part of the config. */
const ENV_FILE = 'ENV_FILE';

/** Every variable the gateway reads. The README table, `.env.example` and turbo.json list the same. */
export const CONFIG_VARIABLES: readonly string[] = [...SETTINGS.map((setting) => setting.variable), ENV_FILE];

/** Start-up refused: `problems` names each bad variable and why. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const GATEWAY_VERSION = '1.0.0';

type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The config as services, app and main read it: the declaration's shape after deriveConfig. */
export type GatewayConfig = DeepReadonly<ReturnType<typeof deriveConfig>>;

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}

function readKeysFile(path: string, readFile: (path: string) => string): string[] {
  try {
    return splitKeys(readFile(path));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError([`GATEWAY_API_KEYS_FILE: cannot read ${path} (${reason})`]);
  }
}

/**
 * Upstreams and routes from the GATEWAY_CONFIG file, or from the upstream variables when there is no
 * file or it has no upstreams; keys and prices from the file. The file's `api_key_env` and `key_env`
 * name any variable of `env` (all of it, not only the declared ones): under `turbo run start` only
 * turbo.json's passThroughEnv reach the process, so with a file run `node dist/main.js`.
 */
function routingOf(
  parsed: Parsed<typeof CONFIG_SCHEMA>,
  env: EnvInput,
  readFile: (path: string) => string,
): { routing: RoutingConfig; access: AccessConfig } {
  const { upstream, limits } = parsed;
  const fromEnv = () =>
    routingFromEnv({
      baseUrl: upstream.baseUrl,
      apiKey: upstream.apiKey,
      model: upstream.defaultModel,
      timeoutMs: upstream.timeoutMs,
      maxConcurrent: limits.maxConcurrentUpstream,
    });
  if (parsed.routing.file === undefined) return { routing: fromEnv(), access: NO_ACCESS_CONFIG };
  const result = readRoutingFile(parsed.routing.file, {
    readFile,
    env,
    defaults: { timeoutMs: upstream.timeoutMs, maxConcurrent: limits.maxConcurrentUpstream },
  });
  if (!result.ok) throw new ConfigError(result.problems);
  return { routing: result.routing ?? fromEnv(), access: result.access };
}

/** The values no single variable gives, and the rules that span variables. */
function deriveConfig(
  parsed: Parsed<typeof CONFIG_SCHEMA>,
  env: EnvInput,
  readFile: (path: string) => string,
) {
  const { apiKeysFile, perKeyRequestsPerMinute, ...auth } = parsed.auth;
  const { routing, access } = routingOf(parsed, env, readFile);
  // With a file's upstreams they answer: demo mode needs neither the key nor the simulator.
  const demo = routing.source === 'env' && parsed.upstream.apiKey === undefined;
  if (parsed.env === 'production' && demo) {
    throw new ConfigError([
      'PROXYAPI_API_KEY: required when NODE_ENV=production without upstreams in GATEWAY_CONFIG (demo mode is for development only)',
    ]);
  }
  const { url, keyPrefix, commandTimeoutMs, ...topologySettings } = parsed.redis;
  const redisTopology = redisTopologyOf({ url, ...topologySettings });
  if (!redisTopology.ok) throw new ConfigError(redisTopology.problems);
  const apiKeys = [
    ...new Set([...auth.apiKeys, ...(apiKeysFile === undefined ? [] : readKeysFile(apiKeysFile, readFile))]),
  ];
  if (apiKeysFile !== undefined && apiKeys.length === 0) {
    throw new ConfigError(['GATEWAY_API_KEYS_FILE: the file holds no keys (the gateway would be open)']);
  }
  const budgeted = access.keys.find((key) => key.policy.budgetUsd !== undefined);
  if (budgeted && !parsed.usage.enabled) {
    throw new ConfigError([
      `USAGE_ENABLED: key "${budgeted.policy.name}" has a budget_usd, which needs usage accounting (USAGE_ENABLED=true)`,
    ]);
  }
  if (perKeyRequestsPerMinute > 0 && apiKeys.length === 0 && access.keys.length === 0) {
    throw new ConfigError([
      'RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: needs GATEWAY_API_KEYS (without keys every caller is the same)',
    ]);
  }
  return {
    ...parsed,
    service: { ...parsed.service, version: GATEWAY_VERSION },
    upstream: {
      /** `demo`: no PROXYAPI_API_KEY and no GATEWAY_CONFIG, the embedded simulator answers. */
      mode: demo ? ('demo' as const) : ('real' as const),
      ...parsed.upstream,
    },
    /** Upstreams and routes: from GATEWAY_CONFIG, or the one of each the upstream variables describe. */
    routing,
    /** The file's keys (with their settings, as digests) and prices; none without a file. */
    access,
    /** `topology`: the one Redis deployment configured (undefined: none, everything in memory). */
    redis: { url, keyPrefix, commandTimeoutMs, topology: redisTopology.topology },
    auth: {
      ...auth,
      /** Inbound keys from GATEWAY_API_KEYS and the file, each once; empty: the gateway is open. */
      apiKeys,
      /** Per-key bucket on top of the global one; undefined: off. */
      perKeyRequestsPerMinute: perKeyRequestsPerMinute === 0 ? undefined : perKeyRequestsPerMinute,
    },
  };
}

/**
 * Builds the config from a plain object of variables (tests pass one; main passes the environment),
 * reading GATEWAY_API_KEYS_FILE and GATEWAY_CONFIG with `readFile`.
 */
export function parseConfig(
  env: EnvInput,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): GatewayConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return deepFreeze(deriveConfig(fillIn(CONFIG_SCHEMA, result.data), env, readFile));
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
  const file = env[ENV_FILE] ?? findEnvFile(options.cwd ?? process.cwd());
  const fromFile = file === undefined ? {} : parseEnv(readFileSync(file, 'utf8'));
  return parseConfig({ ...fromFile, ...env });
}
