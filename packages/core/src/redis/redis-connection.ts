// One Redis client type for every topology, and the one factory that gives each the fail-fast profile.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisNodeAuth, RedisTopology } from './redis-topology.js';

/** What the limiter, the cache, the tickets and readiness talk to: one server/Sentinel client or a Cluster. */
export type RedisConnection = Redis | Cluster;

/** Default bound on one command, in ms: the only thing that bounds a call to a frozen Redis. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;

export interface RedisConnectionOptions {
  /** Bound on one command; default 250 ms. */
  commandTimeoutMs?: number;
  /**
   * `CLIENT SETNAME` of every connection to a data node (e.g. `llm-gateway:<host>:<pid>`), so an
   * operator's or a test's `CLIENT LIST` tells which instance a connection belongs to.
   */
  connectionName?: string;
  /** Receives connection errors; without it they are swallowed (callers fall back on failed commands). */
  onError?: (error: Error) => void;
}

/** Reconnection backs off to every 2 s: fast enough to be back within seconds, slow enough not to spin. */
const backoff = (attempt: number): number => Math.min(attempt * 200, 2000);

interface NodeSettings {
  commandTimeoutMs: number;
  connectionName?: string | undefined;
}

/**
 * ioredis' defaults wait ~73 s with Redis down and forever with Redis frozen; here a command gives up
 * after commandTimeoutMs and is retried at most once across a reconnect. The offline queue stays on
 * because without it commands sent before `ready` fail even with Redis up.
 */
function nodeProfile({ commandTimeoutMs, connectionName }: NodeSettings) {
  return {
    ...(connectionName === undefined ? {} : { connectionName }),
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    lazyConnect: false,
  };
}

type ClusterOptions = NonNullable<ConstructorParameters<typeof Cluster>[1]>;

function credentials(auth: RedisNodeAuth): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(auth.username === undefined ? {} : { username: auth.username }),
    ...(auth.password === undefined ? {} : { password: auth.password }),
    ...(auth.tls ? { tls: {} } : {}),
  };
}

/**
 * A Cluster keeps its own offline queue and reconnect loop (clusterRetryStrategy); each node gets the
 * per-command profile through redisOptions. When a primary dies, ioredis retries a command on the
 * slot's next owner (MOVED after the failover, retryDelayOnFailover between tries): the caller's own
 * deadline (see withDeadline) bounds that, while slotsRefreshInterval finds the promoted replica.
 */
function clusterOptions(auth: RedisNodeAuth, settings: NodeSettings): ClusterOptions {
  const { commandTimeoutMs } = settings;
  return {
    redisOptions: { ...nodeProfile(settings), ...credentials(auth) },
    clusterRetryStrategy: backoff,
    enableOfflineQueue: true,
    enableReadyCheck: true,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: Math.max(commandTimeoutMs, 500),
    slotsRefreshInterval: 2000,
    lazyConnect: false,
  };
}

/**
 * Connects to `topology` with a fail-fast profile on every kind. Sentinel: the sentinels are asked
 * for the primary on every (re)connect, each question bounded by sentinelCommandTimeout, and the
 * answer must say `role:master`; a killed primary drops the connection, and a `READONLY` reply (a
 * demoted primary still connected) reconnects, so writes reach the new primary. ioredis'
 * failoverDetector stays off: a `+switch-master` that arrives while the client is asking a sentinel
 * during a reconnect leaves it in `end` for good (ioredis 6.0 aborts that connect and never retries;
 * one of 3 instances stayed off Redis in about 1 of 4 failover test runs).
 * An 'error' listener is always attached: an EventEmitter without one crashes the process.
 */
export function createRedisConnection(
  topology: RedisTopology,
  options: RedisConnectionOptions = {},
): RedisConnection {
  const connection = connect(topology, {
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    connectionName: options.connectionName,
  });
  const { onError } = options;
  connection.on('error', (error: Error) => onError?.(error));
  return connection;
}

function connect(topology: RedisTopology, settings: NodeSettings): RedisConnection {
  switch (topology.kind) {
    case 'single':
      return new Redis(topology.url, {
        ...nodeProfile(settings),
        ...credentials({ username: topology.username, password: topology.password, tls: false }),
        enableOfflineQueue: true,
        retryStrategy: backoff,
      });
    case 'cluster':
      return new Cluster(
        topology.nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions(topology, settings),
      );
    case 'sentinel':
      return new Redis(sentinelOptions(topology, settings));
    default:
      return unknownTopology(topology);
  }
}

function sentinelOptions(
  topology: Extract<RedisTopology, { kind: 'sentinel' }>,
  settings: NodeSettings,
): Omit<RedisOptions, 'replyMapping'> {
  const { commandTimeoutMs } = settings;
  return {
    ...nodeProfile(settings),
    enableOfflineQueue: true,
    ...credentials(topology),
    retryStrategy: backoff,
    sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
    name: topology.name,
    role: 'master',
    ...(topology.sentinelPassword === undefined ? {} : { sentinelPassword: topology.sentinelPassword }),
    ...(topology.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    sentinelCommandTimeout: Math.max(commandTimeoutMs, 500),
    sentinelRetryStrategy: backoff,
    failoverDetector: false,
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  };
}

function unknownTopology(topology: never): never {
  throw new Error(`Unknown Redis topology: ${JSON.stringify(topology)}`);
}
