// Config parsing: defaults, every bad variable named, production rules, the optional .env file and where routing comes from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caughtSync } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('uses the spec defaults and demo mode without a key', () => {
    const config = parseConfig({});
    expect(config.service).toEqual({ name: 'llm-gateway', version: '1.0.0', host: '0.0.0.0', port: 8001 });
    expect(config.upstream).toMatchObject({
      mode: 'demo',
      baseUrl: 'https://api.proxyapi.ru/openrouter/v1',
      defaultModel: 'deepseek/deepseek-v3.2',
      apiKey: undefined,
    });
    expect(config.redis).toEqual({
      url: undefined,
      keyPrefix: 'llm-gateway:',
      commandTimeoutMs: 250,
      topology: undefined,
    });
    expect(config.retry).toEqual({
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 8000,
      retryAfterCapMs: 10_000,
      deadlineMs: 60_000,
    });
    expect(config.cache).toEqual({
      enabled: true,
      ttlSeconds: 3600,
      maxEntries: 10_000,
      maxBytes: 67_108_864,
    });
    expect(config.rateLimit).toEqual({
      enabled: true,
      requestsPerMinute: 100,
      redisDown: 'local',
      instances: 1,
      tokensPerMinute: 0,
      defaultMaxTokens: 1024,
    });
    expect(config.circuitBreaker).toEqual({ enabled: true, failureThreshold: 5, timeoutSeconds: 60 });
    expect(config.streaming).toEqual({ enabled: true });
    expect(config.auth).toEqual({ apiKeys: [], protectMetrics: false, perKeyRequestsPerMinute: undefined });
    expect(config.shutdown).toEqual({ timeoutMs: 25_000 });
    expect(config.limits).toEqual({
      maxMessages: 2048,
      streamIdleTimeoutMs: 60_000,
      streamMaxDurationMs: 600_000,
      maxConcurrentUpstream: 1024,
      upstreamQueueMax: 1024,
      upstreamQueueTimeoutMs: 2000,
    });
    expect(Object.isFrozen(config.upstream)).toBe(true);
  });

  it('reads every spec variable by its exact name', () => {
    const config = parseConfig({
      SERVICE_NAME: 'gw',
      HOST: '127.0.0.1',
      PORT: '9000',
      PROXYAPI_API_KEY: 'sk-x',
      OPENROUTER_BASE_URL: 'http://localhost:1234/v1',
      VITTE_LLM_MODEL: 'm',
      REDIS_URL: 'redis://redis:6379/1',
      CACHE_TTL: '60',
      CACHE_ENABLED: 'false',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '20',
      RATE_LIMIT_ENABLED: 'no',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '3',
      CIRCUIT_BREAKER_TIMEOUT: '10',
      CIRCUIT_BREAKER_ENABLED: '0',
      STREAMING_ENABLED: 'FALSE',
    });
    expect(config.service).toMatchObject({ name: 'gw', host: '127.0.0.1', port: 9000 });
    expect(config.upstream).toMatchObject({
      mode: 'real',
      apiKey: 'sk-x',
      baseUrl: 'http://localhost:1234/v1',
      defaultModel: 'm',
    });
    expect(config.redis.url).toBe('redis://redis:6379/1');
    expect(config.cache).toMatchObject({ enabled: false, ttlSeconds: 60 });
    expect(config.rateLimit).toMatchObject({ enabled: false, requestsPerMinute: 20 });
    expect(config.circuitBreaker).toEqual({ enabled: false, failureThreshold: 3, timeoutSeconds: 10 });
    expect(config.streaming.enabled).toBe(false);
  });

  it('names each bad variable and why', () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: 'eighty',
        CACHE_ENABLED: 'maybe',
        OPENROUTER_BASE_URL: 'not a url',
        CACHE_TTL: '-1',
        REDIS_URL: 'http://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'CACHE_ENABLED', 'OPENROUTER_BASE_URL', 'CACHE_TTL', 'REDIS_URL'])
      expect(message).toContain(name);
    expect(message).toContain('"maybe"');
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('reads inbound keys from GATEWAY_API_KEYS and a keys file, without duplicates', () => {
    const files: Record<string, string> = {
      '/keys.txt': '# team A\nkey-from-file-1\n\n  key-from-file-2  # rotated 2026-11\nkey-inline-1\n',
    };
    const read = (path: string) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    };
    const config = parseConfig(
      { GATEWAY_API_KEYS: 'key-inline-1, key-inline-2', GATEWAY_API_KEYS_FILE: '/keys.txt' },
      read,
    );
    expect(config.auth.apiKeys).toEqual([
      'key-inline-1',
      'key-inline-2',
      'key-from-file-1',
      'key-from-file-2',
    ]);
    expect(() => parseConfig({ GATEWAY_API_KEYS_FILE: '/nope' }, read)).toThrow(
      /GATEWAY_API_KEYS_FILE: cannot read \/nope \(ENOENT\)/,
    );
    files['/empty.txt'] = '# nothing yet\n';
    expect(() => parseConfig({ GATEWAY_API_KEYS_FILE: '/empty.txt' }, read)).toThrow(/holds no keys/);
    const perKey = parseConfig({ GATEWAY_API_KEYS: 'k1', RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: '30' });
    expect(perKey.auth.perKeyRequestsPerMinute).toBe(30);
    expect(() => parseConfig({ RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE: '30' })).toThrow(
      /needs GATEWAY_API_KEYS/,
    );
  });

  it("reads the tRPC ping, stream ticket and upstream keep-alive knobs, with today's values as defaults", () => {
    const defaults = parseConfig({});
    expect(defaults.trpc).toEqual({ ssePingMs: 10_000 });
    expect(defaults.streamTickets).toEqual({ ttlMs: 30_000, maxBytes: 67_108_864 });
    expect(defaults.upstream.keepAliveMs).toBe(30_000);
    const set = parseConfig({
      TRPC_SSE_PING_MS: '5000',
      STREAM_TICKET_TTL_MS: '60000',
      STREAM_TICKET_MAX_BYTES: '1048576',
      UPSTREAM_KEEP_ALIVE_MS: '4000',
    });
    expect(set.trpc).toEqual({ ssePingMs: 5000 });
    expect(set.streamTickets).toEqual({ ttlMs: 60_000, maxBytes: 1_048_576 });
    expect(set.upstream.keepAliveMs).toBe(4000);
  });

  it('names each bad knob', () => {
    const error = caughtSync(() =>
      parseConfig({
        TRPC_SSE_PING_MS: 'often',
        STREAM_TICKET_TTL_MS: '0',
        STREAM_TICKET_MAX_BYTES: '1.5',
        UPSTREAM_KEEP_ALIVE_MS: '-1',
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    for (const name of [
      'TRPC_SSE_PING_MS',
      'STREAM_TICKET_TTL_MS',
      'STREAM_TICKET_MAX_BYTES',
      'UPSTREAM_KEEP_ALIVE_MS',
    ])
      expect(problems.some((problem) => problem.startsWith(`${name}: `))).toBe(true);
  });

  it("keeps the SSE ping below the client's 30 s reconnect-after-inactivity", () => {
    expect(parseConfig({ TRPC_SSE_PING_MS: '29999' }).trpc.ssePingMs).toBe(29_999);
    for (const value of ['30000', '60000'])
      expect(() => parseConfig({ TRPC_SSE_PING_MS: value })).toThrow(/TRPC_SSE_PING_MS: must be below 30000/);
  });

  it('declares each variable once and freezes the whole tree', () => {
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
    const config = parseConfig({ GATEWAY_API_KEYS: 'k1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.trpc)).toBe(true);
    expect(Object.isFrozen(config.streamTickets)).toBe(true);
    expect(Object.isFrozen(config.auth.apiKeys)).toBe(true);
    expect(config.auth).not.toHaveProperty('apiKeysFile');
  });

  it('refuses to start in production without an upstream key', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/PROXYAPI_API_KEY/);
    expect(parseConfig({ NODE_ENV: 'production', PROXYAPI_API_KEY: 'k' }).upstream.mode).toBe('real');
  });
});

describe('loadConfig', () => {
  it('reads the nearest .env upward, and real variables win over it', () => {
    const root = mkdtempSync(join(tmpdir(), 'gw-config-'));
    writeFileSync(
      join(root, '.env'),
      'PORT=7000\nSERVICE_NAME=from-file\n# comment\nVITTE_LLM_MODEL="quoted/model"\n',
    );
    const nested = mkdtempSync(join(root, 'app-'));
    const config = loadConfig({ env: { SERVICE_NAME: 'from-env' }, cwd: nested });
    expect(config.service.port).toBe(7000);
    expect(config.service.name).toBe('from-env');
    expect(config.upstream.defaultModel).toBe('quoted/model');
  });
});

describe('routing', () => {
  const file =
    'upstreams:\n  local: { base_url: "http://127.0.0.1:9/v1", api_key_env: LOCAL_KEY }\n' +
    'routes:\n  m: { targets: [{ upstream: local, model: m }] }\ndefault_route: m\n';
  const read = (path: string) => {
    if (path === '/gw.yaml') return file;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  };

  it("without GATEWAY_CONFIG, today's variables give one upstream `default` and one route, unknown models passed on", () => {
    const config = parseConfig({
      PROXYAPI_API_KEY: 'sk-x',
      OPENROUTER_BASE_URL: 'http://localhost:1234/v1',
      VITTE_LLM_MODEL: 'vendor/model-1',
      UPSTREAM_TIMEOUT_MS: '5000',
      UPSTREAM_MAX_CONCURRENT: '8',
    });
    expect(config.upstream.mode).toBe('real');
    expect(config.routing).toEqual({
      source: 'env',
      upstreams: {
        default: {
          baseUrl: 'http://localhost:1234/v1',
          apiKey: 'sk-x',
          timeoutMs: 5000,
          maxConcurrent: 8,
          headers: {},
        },
      },
      routes: {
        'vendor/model-1': {
          targets: [{ upstream: 'default', model: 'vendor/model-1', weight: 1, priority: 0 }],
          hidden: false,
        },
      },
      defaultRoute: 'vendor/model-1',
      passthroughUnknownModels: true,
    });
    const demo = parseConfig({});
    expect(demo.upstream.mode).toBe('demo');
    expect(demo.routing.upstreams.default).toMatchObject({
      apiKey: undefined,
      timeoutMs: 120_000,
      maxConcurrent: 1024,
    });
    expect(demo.routing.defaultRoute).toBe('deepseek/deepseek-v3.2');
    expect(Object.isFrozen(demo.routing.routes)).toBe(true);
  });

  it('with GATEWAY_CONFIG, demo mode is off whatever PROXYAPI_API_KEY says, also in production', () => {
    for (const env of [{}, { PROXYAPI_API_KEY: '' }, { NODE_ENV: 'production' }]) {
      const config = parseConfig({ ...env, GATEWAY_CONFIG: '/gw.yaml', LOCAL_KEY: 'sk-local' }, read);
      expect(config.upstream.mode).toBe('real');
      expect(config.routing.source).toBe('file');
      expect(config.routing.upstreams.local?.apiKey).toBe('sk-local');
    }
    expect(() => parseConfig({ GATEWAY_CONFIG: '/nope.yaml' }, read)).toThrow(
      'GATEWAY_CONFIG (/nope.yaml): cannot read the file (ENOENT)',
    );
  });

  it('loadConfig reads a real file, its key variable coming from the environment or the .env file', () => {
    const root = mkdtempSync(join(tmpdir(), 'gw-routing-'));
    writeFileSync(join(root, 'gw.yaml'), file);
    writeFileSync(join(root, '.env'), `GATEWAY_CONFIG=${join(root, 'gw.yaml')}\nLOCAL_KEY=from-dotenv\n`);
    expect(loadConfig({ env: {}, cwd: root }).routing.upstreams.local?.apiKey).toBe('from-dotenv');
    expect(loadConfig({ env: { LOCAL_KEY: 'from-env' }, cwd: root }).routing.upstreams.local?.apiKey).toBe(
      'from-env',
    );
    expect(() => loadConfig({ env: { GATEWAY_CONFIG: join(root, 'missing.yaml') }, cwd: root })).toThrow(
      ConfigError,
    );
  });
});
