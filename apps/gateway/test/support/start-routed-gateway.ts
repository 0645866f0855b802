// Starts one upstream simulator per named upstream and a real gateway routed over them by a GATEWAY_CONFIG file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { buildApp } from '../../src/app.js';
import { type GatewayConfig, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices } from '../../src/services.js';
import { createLogCapture, type LogCapture } from './log-capture.js';
import { postChat } from './post-chat.js';

/** One upstream entry of the file, as issue 14 declares it. */
export interface UpstreamEntry {
  base_url: string;
  api_key_env: string;
  timeout_ms?: number;
  max_concurrent?: number;
  headers?: Record<string, string>;
}

export interface TargetEntry {
  upstream: string;
  model: string;
  weight?: number;
  priority?: number;
}

export interface RouteEntry {
  targets: TargetEntry[];
  hidden?: boolean;
}

/** Everything of the file but `upstreams`, which the helper writes from the simulators it starts. */
export interface RoutingFile {
  routes: Record<string, RouteEntry>;
  default_route: string;
  passthrough_unknown_models?: boolean;
}

export interface StartRoutedGatewayOptions {
  /** Upstream name → the optional fields of its entry; each name gets its own simulator and key. */
  upstreams: Record<string, Partial<Omit<UpstreamEntry, 'base_url' | 'api_key_env'>>>;
  file: RoutingFile;
  /** The file's format (default `yaml`). */
  format?: 'yaml' | 'json';
  /** Variables on top of the helper's (small retry delays, cache and rate limit off). */
  env?: Record<string, string>;
}

export interface RoutedGateway {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Upstream name → its simulator. */
  sims: Record<string, UpstreamSim>;
  /** Upstream name → the key its simulator requires (held in `keyVariable(name)`). */
  keys: Record<string, string>;
  /** The written file's path (the value of GATEWAY_CONFIG). */
  configPath: string;
  app: FastifyInstance;
  config: GatewayConfig;
  logs: LogCapture;
  openai: OpenAI;
  /** POSTs a body to /v1/chat/completions. */
  post(body: object, headers?: Record<string, string>): Promise<Response>;
  /** Upstream name → chat requests its simulator received so far. */
  calls(): Record<string, number>;
  /** GET /metrics, parsed. */
  metrics(): Promise<Record<string, unknown>>;
  /** GET /metrics/prometheus, as text. */
  prometheus(): Promise<string>;
  close(): Promise<void>;
}

/** The env variable holding an upstream's key: `primary` → `PRIMARY_KEY`, `key-a` → `KEY_A_KEY`. */
export function keyVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_KEY`;
}

/** The `model` field of the `index`-th chat call an upstream's simulator received. */
export function sentModel(g: RoutedGateway, name: string, index = 0): unknown {
  const body = g.sims[name]?.requests[index]?.body;
  return typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
}

/** What a chat answer tells its client: status, the routing headers, and the parsed body. */
export interface RoutedAnswer {
  status: number;
  upstream: string | null;
  attempts: number | null;
  body: Record<string, unknown>;
}

export async function readAnswer(res: Response): Promise<RoutedAnswer> {
  const attempts = res.headers.get('x-gateway-attempts');
  return {
    status: res.status,
    upstream: res.headers.get('x-gateway-upstream'),
    attempts: attempts === null ? null : Number(attempts),
    body: (await res.json()) as Record<string, unknown>,
  };
}

async function startSims(names: readonly string[]) {
  const sims: Record<string, UpstreamSim> = {};
  const keys: Record<string, string> = {};
  for (const name of names) {
    keys[name] = `sk-${name}-test-${randomBytes(6).toString('hex')}`;
    sims[name] = await startUpstreamSim({ apiKey: keys[name] });
  }
  return { sims, keys };
}

async function writeConfigFile(options: StartRoutedGatewayOptions, sims: Record<string, UpstreamSim>) {
  const upstreams = Object.fromEntries(
    Object.entries(options.upstreams).map(([name, extra]) => [
      name,
      { base_url: sims[name]?.baseUrl, api_key_env: keyVariable(name), ...extra },
    ]),
  );
  const content = { upstreams, ...options.file };
  const format = options.format ?? 'yaml';
  const dir = await mkdtemp(join(tmpdir(), 'llm-gateway-routing-'));
  const path = join(dir, `gateway.${format}`);
  await writeFile(path, format === 'json' ? JSON.stringify(content, null, 2) : stringify(content));
  return { dir, path };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway did not bind a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

export async function startRoutedGateway(options: StartRoutedGatewayOptions): Promise<RoutedGateway> {
  const names = Object.keys(options.upstreams);
  const { sims, keys } = await startSims(names);
  const file = await writeConfigFile(options, sims);
  const closeSims = () => Promise.all(Object.values(sims).map((sim) => sim.close()));
  let config: GatewayConfig;
  let app: FastifyInstance;
  const logs = createLogCapture();
  try {
    // No PROXYAPI_API_KEY: with a config file its upstreams answer, never the demo simulator.
    config = parseConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      GATEWAY_CONFIG: file.path,
      ...Object.fromEntries(names.map((name) => [keyVariable(name), keys[name] ?? ''])),
      RETRY_BASE_DELAY_MS: '1',
      RETRY_MAX_DELAY_MS: '5',
      CACHE_ENABLED: 'false',
      // Routing tests send hundreds of requests from one client; the limiter has its own suite.
      RATE_LIMIT_ENABLED: 'false',
      ...options.env,
    });
    const logger = createLogger(config, logs.stream);
    app = await buildApp({ config, services: createServices({ config, logger }), logger });
  } catch (error) {
    await closeSims();
    await rm(file.dir, { recursive: true, force: true });
    throw error;
  }
  const url = await listen(app);
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'client-key-not-checked', maxRetries: 0 });
  return {
    url,
    sims,
    keys,
    configPath: file.path,
    app,
    config,
    logs,
    openai,
    post: (body, headers = {}) => postChat(url, body, headers),
    calls: () => Object.fromEntries(names.map((name) => [name, sims[name]?.stats.chatRequests ?? 0])),
    metrics: async () => (await (await fetch(`${url}/metrics`)).json()) as Record<string, unknown>,
    prometheus: async () => (await fetch(`${url}/metrics/prometheus`)).text(),
    close: async () => {
      await app.close();
      await closeSims();
      await rm(file.dir, { recursive: true, force: true });
    },
  };
}
