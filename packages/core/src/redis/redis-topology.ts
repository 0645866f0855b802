// Which Redis deployment the gateway talks to: one server, a Redis Cluster, or a Sentinel-managed primary.

/** A `host:port` of a cluster node or a sentinel. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Credentials and TLS for the data nodes of a cluster or of a Sentinel-managed group. */
export interface RedisNodeAuth {
  username?: string | undefined;
  password?: string | undefined;
  /** TLS to every data node (REDIS_TLS); a single server says so with `rediss://` instead. */
  tls: boolean;
}

/**
 * One of the three deployments. A single server's `url` carries TLS (`rediss://`) and may carry its
 * credentials; `username`/`password` are for a URL without them.
 */
export type RedisTopology =
  | { kind: 'single'; url: string; username?: string | undefined; password?: string | undefined }
  | ({ kind: 'cluster'; nodes: readonly RedisNodeAddress[] } & RedisNodeAuth)
  | ({
      kind: 'sentinel';
      sentinels: readonly RedisNodeAddress[];
      /** The master group the sentinels watch (REDIS_SENTINEL_NAME, default `mymaster`). */
      name: string;
      sentinelPassword?: string | undefined;
    } & RedisNodeAuth);

export type RedisTopologyKind = RedisTopology['kind'];
