// The one declaration of every setting: env variable, parser with its default, and place in the config.
import { z } from 'zod';
import {
  bool,
  hostPortList,
  int,
  keyList,
  nodeEnv,
  optionalText,
  optionalUrl,
  seconds,
  text,
  url,
} from './env-parsers.js';

/** One setting: the variable it is read from and the parser (with its default) that gives its value. */
export class Setting<T> {
  constructor(
    readonly variable: string,
    readonly schema: z.ZodType<T>,
  ) {}
}

const env = <T>(variable: string, schema: z.ZodType<T>) => new Setting(variable, schema);

/** The tRPC client drops an SSE stream after this long without a message; pings must come sooner. */
export const SSE_RECONNECT_AFTER_INACTIVITY_MS = 30_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const HTTP = ['http:', 'https:'];
const REDIS_DOWN_POLICIES = ['local', 'open', 'closed'] as const;

/**
 * The shape of the config, with a Setting at every leaf. `auth.apiKeysFile`, the raw
 * `auth.perKeyRequestsPerMinute` and `routing` are reshaped after parsing (see deriveConfig in config.ts).
 */
export const CONFIG_SCHEMA = {
  /** production | development | test; anything else counts as development. */
  env: env('NODE_ENV', nodeEnv),
  service: {
    name: env('SERVICE_NAME', text('llm-gateway')),
    host: env('HOST', text('0.0.0.0')),
    port: env('PORT', int(8001, 0, 65535)),
  },
  logLevel: env('LOG_LEVEL', z.enum(LOG_LEVELS).default('info')),
  upstream: {
    /** Unset: demo mode, the embedded simulator answers. */
    apiKey: env('PROXYAPI_API_KEY', optionalText),
    baseUrl: env('OPENROUTER_BASE_URL', url('https://api.proxyapi.ru/openrouter/v1', HTTP)),
    defaultModel: env('VITTE_LLM_MODEL', text('deepseek/deepseek-v3.2')),
    timeoutMs: env('UPSTREAM_TIMEOUT_MS', int(120_000, 1)),
    /** How long an idle upstream connection stays pooled (undici's keepAliveTimeout). */
    keepAliveMs: env('UPSTREAM_KEEP_ALIVE_MS', int(30_000, 1)),
  },
  /** Replaced after parsing by the RoutingConfig of routing-file.ts (see deriveConfig in config.ts). */
  routing: {
    /** A YAML or JSON file of upstreams and routes; unset: the upstream variables describe one of each. */
    file: env('GATEWAY_CONFIG', optionalText),
  },
  http: { bodyLimitBytes: env('BODY_LIMIT_BYTES', int(1_048_576, 1024)) },
  /** At most one topology: REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (see redis-config.ts). */
  redis: {
    url: env('REDIS_URL', optionalUrl(['redis:', 'rediss:'])),
    clusterNodes: env('REDIS_CLUSTER_NODES', hostPortList),
    sentinels: env('REDIS_SENTINELS', hostPortList),
    sentinelName: env('REDIS_SENTINEL_NAME', text('mymaster')),
    sentinelPassword: env('REDIS_SENTINEL_PASSWORD', optionalText),
    /** For the data nodes (cluster, Sentinel-managed, or a REDIS_URL without its own credentials). */
    username: env('REDIS_USERNAME', optionalText),
    password: env('REDIS_PASSWORD', optionalText),
    /** TLS to cluster nodes, sentinels and their primary; a REDIS_URL says so with `rediss://`. */
    tls: env('REDIS_TLS', bool(false)),
    keyPrefix: env('REDIS_KEY_PREFIX', text('llm-gateway:')),
    commandTimeoutMs: env('REDIS_COMMAND_TIMEOUT_MS', int(250, 1)),
  },
  retry: {
    maxAttempts: env('RETRY_MAX_ATTEMPTS', int(3, 1, 10)),
    baseDelayMs: env('RETRY_BASE_DELAY_MS', int(500, 0)),
    maxDelayMs: env('RETRY_MAX_DELAY_MS', int(8000, 0)),
    /** The longest upstream Retry-After the gateway waits for; longer → the client gets it. */
    retryAfterCapMs: env('RETRY_AFTER_CAP_MS', int(10_000, 0)),
    /** Total time budget of one request across attempts; no retry starts after it. */
    deadlineMs: env('RETRY_DEADLINE_MS', int(60_000, 1)),
  },
  cache: {
    enabled: env('CACHE_ENABLED', bool(true)),
    ttlSeconds: env('CACHE_TTL', int(3600, 1)),
    /** Bounds of the in-memory cache (used when REDIS_URL is not set). */
    maxEntries: env('CACHE_MAX_ENTRIES', int(10_000, 1)),
    maxBytes: env('CACHE_MAX_BYTES', int(64 * 1024 * 1024, 1024)),
  },
  rateLimit: {
    enabled: env('RATE_LIMIT_ENABLED', bool(true)),
    requestsPerMinute: env('RATE_LIMIT_REQUESTS_PER_MINUTE', int(100, 1)),
    /** While Redis is unreachable: this instance's share (`local`), no limit (`open`) or 503 (`closed`). */
    redisDown: env('RATE_LIMIT_REDIS_DOWN', optionalText.pipe(z.enum(REDIS_DOWN_POLICIES).default('local'))),
    /** Instances sharing the limit: `local` gives each requestsPerMinute / instances (at least 1). */
    instances: env('RATE_LIMIT_INSTANCES', int(1, 1)),
    /** One token bucket for the whole gateway on top of the keys' own (0: none). */
    tokensPerMinute: env('RATE_LIMIT_TOKENS_PER_MINUTE', int(0, 0)),
    /** Completion tokens a token limit reserves for a request without max_tokens (settled with the real usage). */
    defaultMaxTokens: env('TOKEN_LIMIT_DEFAULT_MAX_TOKENS', int(1024, 1)),
  },
  circuitBreaker: {
    enabled: env('CIRCUIT_BREAKER_ENABLED', bool(true)),
    failureThreshold: env('CIRCUIT_BREAKER_FAILURE_THRESHOLD', int(5, 1)),
    timeoutSeconds: env('CIRCUIT_BREAKER_TIMEOUT', seconds(60)),
  },
  streaming: { enabled: env('STREAMING_ENABLED', bool(true)) },
  /** Tokens and cost per key, model and day (in Redis when configured); budgets need it. */
  usage: { enabled: env('USAGE_ENABLED', bool(true)) },
  auth: {
    /** Inbound keys; merged with the file's after parsing. Empty: the gateway is open. */
    apiKeys: env('GATEWAY_API_KEYS', keyList),
    apiKeysFile: env('GATEWAY_API_KEYS_FILE', optionalText),
    /** Also require a key for /metrics and /metrics/prometheus. */
    protectMetrics: env('METRICS_REQUIRE_API_KEY', bool(false)),
    /** Per-key bucket on top of the global one; 0 (off) becomes undefined after parsing. */
    perKeyRequestsPerMinute: env('RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE', int(0, 0)),
  },
  /** How long in-flight requests and streams may run on after SIGTERM before they are ended. */
  shutdown: { timeoutMs: env('SHUTDOWN_TIMEOUT_MS', int(25_000, 0)) },
  limits: {
    maxMessages: env('MAX_MESSAGES', int(2048, 1)),
    /** Longest silence between two upstream stream chunks. */
    streamIdleTimeoutMs: env('STREAM_IDLE_TIMEOUT_MS', int(60_000, 1)),
    /** Longest a stream may run in total. */
    streamMaxDurationMs: env('STREAM_MAX_DURATION_MS', int(600_000, 1)),
    /** Upstream calls in flight at once (a stream holds its slot until it ends). */
    maxConcurrentUpstream: env('UPSTREAM_MAX_CONCURRENT', int(1024, 1)),
    /** Requests that may wait for a slot; more are refused at once with 503. */
    upstreamQueueMax: env('UPSTREAM_QUEUE_MAX', int(1024, 0)),
    /** Longest wait for a slot before 503. */
    upstreamQueueTimeoutMs: env('UPSTREAM_QUEUE_TIMEOUT_MS', int(2000, 0)),
  },
  trpc: {
    /** Pings keep proxies and the client's inactivity timer from dropping a stream waiting on a slow model. */
    ssePingMs: env(
      'TRPC_SSE_PING_MS',
      int(10_000, 1).refine((ms) => ms < SSE_RECONNECT_AFTER_INACTIVITY_MS, {
        message: `must be below ${SSE_RECONNECT_AFTER_INACTIVITY_MS} (the tRPC client reconnects after that long without a message)`,
      }),
    ),
  },
  /** Prepared tRPC streams: long enough for a client to open the stream right after, short enough to hold little. */
  streamTickets: {
    ttlMs: env('STREAM_TICKET_TTL_MS', int(30_000, 1)),
    /** Bound on the tickets held in memory (no Redis, or Redis down), in UTF-16 units: unclaimed ones cannot eat memory. */
    maxBytes: env('STREAM_TICKET_MAX_BYTES', int(64 * 1024 * 1024, 1024)),
  },
  /** Resumable streams (every tRPC stream; REST with `x-gateway-resumable: true`). */
  resume: {
    /** How long a finished stream's events stay readable for a reconnect. */
    ttlSeconds: env('STREAM_RESUME_TTL_S', int(60, 1)),
    /** How long a stream whose connection dropped (without a cancel) keeps its upstream call for a reconnect. */
    graceMs: env('STREAM_RESUME_GRACE_MS', int(15_000, 0)),
    /** Finished streams' event text kept in this instance's memory; past it the oldest go before their TTL. */
    maxFinishedBytes: env('STREAM_RESUME_MAX_BYTES', int(64 * 1024 * 1024, 1)),
  },
};

interface SchemaTree {
  readonly [key: string]: Setting<unknown> | SchemaTree;
}

/** The parsed values, in the declaration's shape. */
export type Parsed<Tree> = {
  -readonly [K in keyof Tree]: Tree[K] extends Setting<infer T> ? T : Parsed<Tree[K]>;
};

/** Every Setting of the tree, depth first. */
export function settingsOf(tree: SchemaTree): Setting<unknown>[] {
  return Object.values(tree).flatMap((node) => (node instanceof Setting ? [node] : settingsOf(node)));
}

/** The tree with each Setting replaced by its variable's parsed value. */
export function fillIn<Tree extends SchemaTree>(tree: Tree, values: Record<string, unknown>): Parsed<Tree> {
  const entries = Object.entries(tree).map(([key, node]) => [
    key,
    node instanceof Setting ? values[node.variable] : fillIn(node, values),
  ]);
  // The walk mirrors Parsed<Tree> key by key; TypeScript cannot follow a mapped type through it.
  return Object.fromEntries(entries) as Parsed<Tree>;
}
