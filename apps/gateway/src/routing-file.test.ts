// The GATEWAY_CONFIG file: issue 14's example in YAML and JSON, defaults, and one clear line per problem.
import { createHash } from 'node:crypto';
import { caughtSync } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';
import { readRoutingFile } from './routing-file.js';

/** Issue 14's "The file's shape", as written there. */
const EXAMPLE_YAML = `upstreams:
  deepseek:                        # a name used in routes, logs, metrics and x-gateway-upstream
    base_url: https://api.deepseek.com/v1
    api_key_env: DEEPSEEK_API_KEY  # the env variable that holds the key (absent: no Authorization)
    timeout_ms: 120000             # optional, default UPSTREAM_TIMEOUT_MS
    max_concurrent: 256            # optional, default UPSTREAM_MAX_CONCURRENT
    headers: { X-Title: my-bot }   # optional, sent on every call
  openrouter:
    base_url: https://openrouter.ai/api/v1
    api_key_env: OPENROUTER_API_KEY
routes:
  deepseek/deepseek-v3.2:          # the model name clients send
    targets:                       # tried by priority (default: list position), weighted within one
      - { upstream: deepseek, model: deepseek-chat }
      - { upstream: openrouter, model: deepseek/deepseek-v3.2 }
  balanced:
    targets:
      - { upstream: deepseek, model: deepseek-chat, priority: 1, weight: 3 }
      - { upstream: openrouter, model: deepseek/deepseek-v3.2, priority: 1, weight: 1 }
default_route: deepseek/deepseek-v3.2   # used when a request names no model
`;

const EXAMPLE_JSON = JSON.stringify(
  {
    upstreams: {
      deepseek: {
        base_url: 'https://api.deepseek.com/v1',
        api_key_env: 'DEEPSEEK_API_KEY',
        timeout_ms: 120000,
        max_concurrent: 256,
        headers: { 'X-Title': 'my-bot' },
      },
      openrouter: { base_url: 'https://openrouter.ai/api/v1', api_key_env: 'OPENROUTER_API_KEY' },
    },
    routes: {
      'deepseek/deepseek-v3.2': {
        targets: [
          { upstream: 'deepseek', model: 'deepseek-chat' },
          { upstream: 'openrouter', model: 'deepseek/deepseek-v3.2' },
        ],
      },
      balanced: {
        targets: [
          { upstream: 'deepseek', model: 'deepseek-chat', priority: 1, weight: 3 },
          { upstream: 'openrouter', model: 'deepseek/deepseek-v3.2', priority: 1, weight: 1 },
        ],
      },
    },
    default_route: 'deepseek/deepseek-v3.2',
  },
  null,
  '\t',
);

const KEYS = { DEEPSEEK_API_KEY: 'sk-ds', OPENROUTER_API_KEY: 'sk-or' };
const PATH = '/etc/gw.yaml';
const at = (line: string) => `GATEWAY_CONFIG (${PATH}): ${line}`;

/** A readFile over an in-memory tree; a missing path fails as the file system would. */
const reader = (files: Record<string, string>) => (path: string) => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return content;
};

const startUp = (text: string, env: Record<string, string> = KEYS) =>
  parseConfig({ GATEWAY_CONFIG: PATH, ...env }, reader({ [PATH]: text }));

/** The problems start-up stops with. */
function refusal(text: string, env: Record<string, string> = KEYS): readonly string[] {
  const error = caughtSync(() => startUp(text, env));
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('the routing file', () => {
  it("reads issue 14's example, and the same file in JSON gives the same routing", () => {
    const routing = startUp(EXAMPLE_YAML).routing;
    expect(routing).toEqual({
      source: 'file',
      upstreams: {
        deepseek: {
          baseUrl: 'https://api.deepseek.com/v1',
          apiKey: 'sk-ds',
          timeoutMs: 120_000,
          maxConcurrent: 256,
          headers: { 'X-Title': 'my-bot' },
        },
        openrouter: {
          baseUrl: 'https://openrouter.ai/api/v1',
          apiKey: 'sk-or',
          timeoutMs: 120_000,
          maxConcurrent: 1024,
          headers: {},
        },
      },
      routes: {
        'deepseek/deepseek-v3.2': {
          targets: [
            { upstream: 'deepseek', model: 'deepseek-chat', weight: 1, priority: 0 },
            { upstream: 'openrouter', model: 'deepseek/deepseek-v3.2', weight: 1, priority: 1 },
          ],
          hidden: false,
        },
        balanced: {
          targets: [
            { upstream: 'deepseek', model: 'deepseek-chat', weight: 3, priority: 1 },
            { upstream: 'openrouter', model: 'deepseek/deepseek-v3.2', weight: 1, priority: 1 },
          ],
          hidden: false,
        },
      },
      defaultRoute: 'deepseek/deepseek-v3.2',
      passthroughUnknownModels: false,
    });
    expect(startUp(EXAMPLE_JSON).routing).toEqual(routing);
    expect(Object.isFrozen(routing.routes.balanced?.targets[0])).toBe(true);
    // A client's model name never reaches Object.prototype.
    expect(routing.routes.constructor).toBeUndefined();
    expect(routing.upstreams.toString).toBeUndefined();
  });

  it('fills in defaults: priority = list position, weight 1, timeout and concurrency from the env', () => {
    const text = `upstreams:
  local: { base_url: "http://127.0.0.1:9000/v1" }
routes:
  m:
    hidden: true
    targets:
      - { upstream: local, model: a }
      - { upstream: local, model: b }
      - { upstream: local, model: c, priority: 0 }
default_route: m
passthrough_unknown_models: true
`;
    const env = { UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_MAX_CONCURRENT: '7' };
    const config = startUp(text, env);
    expect(config.routing.upstreams.local).toEqual({
      baseUrl: 'http://127.0.0.1:9000/v1',
      apiKey: undefined,
      timeoutMs: 5000,
      maxConcurrent: 7,
      headers: {},
    });
    expect(config.routing.routes.m).toEqual({
      hidden: true,
      targets: [
        { upstream: 'local', model: 'a', weight: 1, priority: 0 },
        { upstream: 'local', model: 'b', weight: 1, priority: 1 },
        { upstream: 'local', model: 'c', weight: 1, priority: 0 },
      ],
    });
    expect(config.routing.passthroughUnknownModels).toBe(true);
    expect(startUp(text, {}).routing.upstreams.local).toMatchObject({
      timeoutMs: 120_000,
      maxConcurrent: 1024,
    });
  });
});

describe('a bad routing file stops start-up with one line naming the file and the field', () => {
  it('a key variable that is not set (or empty)', () => {
    const problem = at('upstreams.deepseek.api_key_env: DEEPSEEK_API_KEY is not set in the environment');
    expect(refusal(EXAMPLE_YAML, { OPENROUTER_API_KEY: 'sk-or' })).toEqual([problem]);
    expect(refusal(EXAMPLE_YAML, { ...KEYS, DEEPSEEK_API_KEY: '  ' })).toEqual([problem]);
  });

  it('a route target naming an upstream that is not declared', () => {
    const text = EXAMPLE_YAML.replace(
      '- { upstream: openrouter, model: deepseek/deepseek-v3.2, priority: 1',
      '- { upstream: nope, model: x, priority: 1',
    );
    expect(refusal(text)).toEqual([
      at(
        'routes.balanced.targets[1].upstream: "nope" is not a declared upstream (declared: deepseek, openrouter)',
      ),
    ]);
  });

  it('a duplicate alias or upstream, in YAML and in JSON', () => {
    const lineOf = (text: string, needle: string) =>
      text.split('\n').findLastIndex((l) => l.includes(needle)) + 1;
    const yaml = EXAMPLE_YAML.replace(
      'default_route',
      '  balanced:\n    targets: [{ upstream: deepseek, model: x }]\ndefault_route',
    );
    expect(refusal(yaml)).toEqual([
      at(`routes.balanced: declared more than once (again at line ${lineOf(yaml, 'balanced:')})`),
    ]);
    const json = EXAMPLE_JSON.replace('"balanced"', '"deepseek/deepseek-v3.2"');
    const again = lineOf(json, '"deepseek/deepseek-v3.2": {');
    expect(refusal(json)).toEqual([
      at(`routes.deepseek/deepseek-v3.2: declared more than once (again at line ${again})`),
    ]);
    const upstreams =
      '{"upstreams": {"a": {"base_url": "http://a"},\n "a": {"base_url": "http://b"}},\n' +
      '"routes": {"m": {"targets": [{"upstream": "a", "model": "m"}]}}, "default_route": "m"}';
    expect(refusal(upstreams)).toEqual([at('upstreams.a: declared more than once (again at line 2)')]);
  });

  it('an unknown top-level key', () => {
    const known = '(known: upstreams, routes, default_route, passthrough_unknown_models, keys, prices)';
    expect(refusal(`${EXAMPLE_YAML}extra: 1\n`)).toEqual([at(`extra: unknown key ${known}`)]);
  });

  it('keys and prices: shapes and the rules across fields, without echoing a key', () => {
    const env = { BOT_KEY: 'sk-bot-secret-1', SAME_KEY: 'sk-bot-secret-1' };
    const text = `${EXAMPLE_YAML}keys:
  - { name: bot, key_env: BOT_KEY, models: [balanced, nope], budget_usd: { daily: 0 } }
  - { name: bot, key_env: SAME_KEY }
  - { name: "bad name", key_sha256: abc }
  - { name: both, key_env: BOT_KEY, key_sha256: ${'a'.repeat(64)} }
  - { name: unset, key_env: UNSET_KEY, tokens_per_minute: 0 }
prices:
  m: { prompt: -1, completion: 1, cahced: 1 }
`;
    const problems = refusal(text, { ...KEYS, ...env });
    expect(problems).toEqual(
      expect.arrayContaining([
        at('keys[0].budget_usd.daily: expected an amount in USD above 0'),
        at('keys[0].models[1]: "nope" is not a route (routes: deepseek/deepseek-v3.2, balanced)'),
        at('keys[1].name: "bot" is already the name of keys[0]'),
        at('keys[1]: is the same key as keys[0]'),
        at('keys[2].name: key names use letters, digits, ".", "_" and "-"'),
        at("keys[2].key_sha256: expected the key's SHA-256 as 64 hex digits"),
        at('keys[3]: needs exactly one of key_env and key_sha256'),
        at('keys[4].key_env: UNSET_KEY is not set in the environment'),
        at('keys[4].tokens_per_minute: expected a positive integer'),
        at('prices.m.prompt: expected USD per 1M tokens, 0 or more'),
        at('prices.m.cahced: unknown key (known: prompt, completion, cached_prompt)'),
      ]),
    );
    expect(problems).toHaveLength(11);
    for (const problem of problems) expect(problem).not.toContain('sk-bot');
  });

  it('keys and prices alone: routing stays on the env variables; keys are kept as digests', () => {
    const result = readRoutingFile(PATH, {
      readFile: reader({
        [PATH]: `keys:\n  - { name: bot, key_env: BOT_KEY, admin: true }\nprices:\n  m: { prompt: 0.27, completion: 1.1 }\n`,
      }),
      env: { BOT_KEY: ' sk-bot ' },
      defaults: { timeoutMs: 1, maxConcurrent: 1 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.routing).toBeUndefined();
    expect(result.access.keys).toEqual([
      {
        sha256: createHash('sha256').update('sk-bot').digest('hex'),
        policy: {
          name: 'bot',
          admin: true,
          models: undefined,
          requestsPerMinute: undefined,
          tokensPerMinute: undefined,
          budgetUsd: undefined,
        },
      },
    ]);
    expect(result.access.prices).toEqual({ m: { prompt: 0.27, completion: 1.1, cachedPrompt: undefined } });
    expect(JSON.stringify(result)).not.toContain('sk-bot');
  });

  it('an unknown field in a target, a route or an upstream', () => {
    const text = EXAMPLE_YAML.replace('priority: 1, weight: 3', 'priority: 1, wieght: 3')
      .replace('  balanced:\n', '  balanced:\n    hiden: true\n')
      .replace('    api_key_env: OPENROUTER_API_KEY', '    api_key: OPENROUTER_API_KEY');
    expect(refusal(text)).toEqual([
      at(
        'upstreams.openrouter.api_key: unknown key (known: base_url, api_key_env, timeout_ms, max_concurrent, headers)',
      ),
      at('routes.balanced.targets[0].wieght: unknown key (known: upstream, model, weight, priority)'),
      at('routes.balanced.hiden: unknown key (known: targets, hidden)'),
    ]);
  });

  it('a base_url that is not an http(s) URL', () => {
    const problem = at('upstreams.deepseek.base_url: expected an http or https URL');
    for (const url of ['ftp://api.deepseek.com/v1', 'api.deepseek.com/v1'])
      expect(refusal(EXAMPLE_YAML.replace('https://api.deepseek.com/v1', url))).toEqual([problem]);
  });

  it('a default_route that is not a route', () => {
    expect(
      refusal(EXAMPLE_YAML.replace('default_route: deepseek/deepseek-v3.2', 'default_route: gpt-5')),
    ).toEqual([at('default_route: "gpt-5" is not a route (routes: deepseek/deepseek-v3.2, balanced)')]);
  });

  it('a file that cannot be read', () => {
    expect(
      (caughtSync(() => parseConfig({ GATEWAY_CONFIG: PATH }, reader({}))) as ConfigError).problems,
    ).toEqual([at('cannot read the file (ENOENT)')]);
  });

  it('a file that is not YAML, is empty, or is not a mapping', () => {
    const [syntax] = refusal('upstreams: [unclosed\nroutes: {}\n');
    expect(syntax).toMatch(
      /^GATEWAY_CONFIG \(\/etc\/gw\.yaml\): line \d+, column \d+: not valid YAML or JSON: \S/,
    );
    expect(refusal('upstreams:\n\tdeepseek: {}\n')).toHaveLength(1);
    expect(refusal('{"upstreams": {}')).toHaveLength(1);
    expect(refusal('')).toEqual([
      at('the file is empty (expected upstreams, routes and default_route, or keys and prices)'),
    ]);
    expect(refusal('just words')).toEqual([
      at(
        'expected a mapping with upstreams, routes, default_route, passthrough_unknown_models, keys, prices, got a string',
      ),
    ]);
  });

  it('reports every problem at once, each on one line, and never echoes a key pasted in', () => {
    const text = `upstreams:
  a: { base_url: "http://a", api_key_env: sk-live-123, timeout_ms: 0, headers: { Authorization: x } }
routes:
  m: { targets: [] }
  n: { targets: [{ upstream: a, model: x, weight: 0, priority: -1 }], hidden: "yes" }
`;
    const problems = refusal(text);
    expect(problems).toEqual([
      at(
        'upstreams.a.api_key_env: expected the name of an environment variable (the key itself never goes in the file)',
      ),
      at('upstreams.a.timeout_ms: expected an integer from 1 to 2147483647'),
      at(
        'upstreams.a.headers.Authorization: Authorization is sent from api_key_env (keys never live in the file)',
      ),
      at('routes.m.targets: needs at least one target'),
      at('routes.n.targets[0].weight: expected a positive integer'),
      at('routes.n.targets[0].priority: expected a non-negative integer'),
      at('routes.n.hidden: expected true or false, got a string'),
      at('default_route: is required with upstreams, routes and default_route (all three or none)'),
    ]);
    for (const problem of problems) expect(problem).not.toMatch(/sk-live|\n/);
  });

  it('readRoutingFile returns the problems instead of throwing', () => {
    const options = {
      readFile: reader({ [PATH]: 'upstreams: {}\nroutes: {}\ndefault_route: m\n' }),
      env: {},
    };
    expect(readRoutingFile(PATH, { ...options, defaults: { timeoutMs: 1, maxConcurrent: 1 } })).toEqual({
      ok: false,
      problems: [at('default_route: "m" is not a route (routes: none)')],
    });
  });
});
