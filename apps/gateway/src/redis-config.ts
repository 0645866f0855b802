// The Redis topology from its variables: at most one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS.
import type { RedisTopology } from '@llm-gateway/core';

/** The parsed REDIS_* variables (config-schema.ts's `redis` group). */
export interface RedisSettings {
  url: string | undefined;
  clusterNodes: readonly { host: string; port: number }[];
  sentinels: readonly { host: string; port: number }[];
  sentinelName: string;
  sentinelPassword: string | undefined;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

/** What deriveConfig keeps: the topology (undefined: no Redis), or the problems that stop start-up. */
export type RedisTopologyResult =
  | { ok: true; topology: RedisTopology | undefined }
  | { ok: false; problems: string[] };

/**
 * Credentials: a REDIS_URL may carry its own (`redis://user:pass@host`); REDIS_USERNAME / REDIS_PASSWORD
 * fill them in when it does not (so a secret need not sit in the URL), and both at once is refused as
 * ambiguous. TLS on a URL is `rediss://`, so REDIS_TLS=true with `redis://` is refused too.
 */
export function redisTopologyOf(settings: RedisSettings): RedisTopologyResult {
  const chosen = [
    settings.url === undefined ? undefined : 'REDIS_URL',
    settings.clusterNodes.length === 0 ? undefined : 'REDIS_CLUSTER_NODES',
    settings.sentinels.length === 0 ? undefined : 'REDIS_SENTINELS',
  ].filter((name) => name !== undefined);
  if (chosen.length > 1) {
    return {
      ok: false,
      problems: [`${chosen.join(', ')}: set at most one Redis topology (got ${chosen.length})`],
    };
  }
  if (settings.sentinelPassword !== undefined && settings.sentinels.length === 0) {
    return { ok: false, problems: ['REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS'] };
  }
  const auth = { username: settings.username, password: settings.password, tls: settings.tls };
  if (settings.clusterNodes.length > 0)
    return { ok: true, topology: { kind: 'cluster', nodes: settings.clusterNodes, ...auth } };
  if (settings.sentinels.length > 0) {
    return {
      ok: true,
      topology: {
        kind: 'sentinel',
        sentinels: settings.sentinels,
        name: settings.sentinelName,
        sentinelPassword: settings.sentinelPassword,
        ...auth,
      },
    };
  }
  if (settings.url === undefined) return { ok: true, topology: undefined };
  return singleServer(settings.url, auth);
}

function singleServer(
  url: string,
  auth: { username: string | undefined; password: string | undefined; tls: boolean },
): RedisTopologyResult {
  const parsed = new URL(url);
  const problems: string[] = [];
  if (auth.tls && parsed.protocol !== 'rediss:') {
    problems.push('REDIS_TLS: a REDIS_URL asks for TLS with rediss://, not REDIS_TLS');
  }
  const own = parsed.username !== '' || parsed.password !== '';
  if (own && (auth.username !== undefined || auth.password !== undefined)) {
    problems.push(
      'REDIS_USERNAME, REDIS_PASSWORD: REDIS_URL already carries credentials; set them in one place',
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, topology: { kind: 'single', url, username: auth.username, password: auth.password } };
}
