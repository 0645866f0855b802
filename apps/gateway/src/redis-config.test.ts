// The Redis topology variables: one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS, credentials, TLS, the down policy.
import { caughtSync } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  const error = caughtSync(() => parseConfig(env));
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.problems;
}

describe('Redis topology config', () => {
  it('REDIS_URL is a single server; REDIS_USERNAME / REDIS_PASSWORD fill in a URL without credentials', () => {
    expect(parseConfig({ REDIS_URL: 'redis://r:6379/1' }).redis.topology).toEqual({
      kind: 'single',
      url: 'redis://r:6379/1',
      username: undefined,
      password: undefined,
    });
    expect(
      parseConfig({ REDIS_URL: 'rediss://r:6380', REDIS_USERNAME: 'gw', REDIS_PASSWORD: 's3cret' }).redis
        .topology,
    ).toMatchObject({ kind: 'single', username: 'gw', password: 's3cret' });
  });

  it('REDIS_CLUSTER_NODES is a cluster with the node credentials and TLS', () => {
    const config = parseConfig({
      REDIS_CLUSTER_NODES: 'a:7000, b:7001,[::1]:7002',
      REDIS_PASSWORD: 'pw',
      REDIS_TLS: 'true',
    });
    expect(config.redis.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: 'pw',
      tls: true,
    });
  });

  it('REDIS_SENTINELS is a Sentinel-managed primary, the group `mymaster` unless named', () => {
    expect(parseConfig({ REDIS_SENTINELS: 's1:26379,s2:26379' }).redis.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      sentinelPassword: undefined,
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(
      parseConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw', REDIS_SENTINEL_PASSWORD: 'sp' })
        .redis.topology,
    ).toMatchObject({ name: 'gw', sentinelPassword: 'sp' });
  });

  it('refuses two topologies at once, naming them', () => {
    expect(problemsOf({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toEqual([
      'REDIS_URL, REDIS_CLUSTER_NODES: set at most one Redis topology (got 2)',
    ]);
    expect(
      problemsOf({ REDIS_URL: 'redis://r', REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 's:2' })[0],
    ).toContain('REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS');
  });

  it('refuses settings that would be silently ignored or ambiguous, without echoing secrets', () => {
    expect(problemsOf({ REDIS_URL: 'redis://r:6379', REDIS_TLS: 'true' })[0]).toMatch(
      /^REDIS_TLS: .*rediss:\/\//,
    );
    const both = problemsOf({ REDIS_URL: 'redis://u:hunter2@r:6379', REDIS_PASSWORD: 'other' });
    expect(both[0]).toMatch(/^REDIS_USERNAME, REDIS_PASSWORD: /);
    expect(both.join('\n')).not.toContain('hunter2');
    expect(problemsOf({ REDIS_SENTINEL_PASSWORD: 'sp' })).toEqual([
      'REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS',
    ]);
  });

  it('names a malformed host:port list', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000,b' })[0]).toMatch(
      /^REDIS_CLUSTER_NODES: expected host:port, got "b"/,
    );
    expect(problemsOf({ REDIS_SENTINELS: 's:99999' })[0]).toMatch(/^REDIS_SENTINELS: expected host:port/);
  });

  it('reads RATE_LIMIT_REDIS_DOWN (default local) and RATE_LIMIT_INSTANCES (default 1)', () => {
    expect(parseConfig({}).rateLimit).toMatchObject({ redisDown: 'local', instances: 1 });
    expect(
      parseConfig({ RATE_LIMIT_REDIS_DOWN: 'closed', RATE_LIMIT_INSTANCES: '3' }).rateLimit,
    ).toMatchObject({
      redisDown: 'closed',
      instances: 3,
    });
    expect(problemsOf({ RATE_LIMIT_REDIS_DOWN: 'sometimes' })[0]).toMatch(/^RATE_LIMIT_REDIS_DOWN: /);
    expect(problemsOf({ RATE_LIMIT_INSTANCES: '0' })[0]).toMatch(/^RATE_LIMIT_INSTANCES: /);
  });
});
