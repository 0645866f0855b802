// The built gateway in its own process, configured as in production (env only, info logs to a file).
import { GATEWAY_MAIN } from './paths.js';
import { type Service, spawnService } from './spawn-service.js';

export interface GatewayOptions {
  name: string;
  /** `http://127.0.0.1:PORT` of the simulator. */
  upstreamUrl: string;
  logDir: string;
  /** Omit for the in-memory cache. */
  redisUrl?: string;
  /** Settings for this gateway only, over the common ones (e.g. USAGE_ENABLED=false). */
  env?: Readonly<Record<string, string>>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
}

export interface GatewayProcess {
  service: Service;
  url: string;
}

const OVERRIDE_PREFIX = 'BENCH_GATEWAY_';

/**
 * The gateway settings every bench gateway gets (also written into the results). Any variable
 * `BENCH_GATEWAY_<NAME>` in the bench's environment sets `<NAME>` for the gateways, e.g.
 * `BENCH_GATEWAY_UPSTREAM_MAX_CONCURRENT=2048`. Everything else is the gateway's own default, like the
 * upstream admission limit, which must stay above the 1,000 streams of (e).
 */
export function gatewaySettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    // The default (100 req/min) would turn a benchmark into a rate-limit test.
    RATE_LIMIT_ENABLED: 'false',
    CACHE_ENABLED: 'true',
  };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(OVERRIDE_PREFIX) && value !== undefined)
      settings[name.slice(OVERRIDE_PREFIX.length)] = value;
  }
  return settings;
}

export async function startGateway(options: GatewayOptions): Promise<GatewayProcess> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    ...gatewaySettings(),
    HOST: '127.0.0.1',
    PORT: '0',
    // An empty env file: no stray .env from the working tree can change what is measured.
    ENV_FILE: '/dev/null',
    PROXYAPI_API_KEY: 'bench-key',
    OPENROUTER_BASE_URL: `${options.upstreamUrl}/v1`,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const service = await spawnService({
    name: options.name,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), GATEWAY_MAIN],
    env,
    ready: /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    logDir: options.logDir,
  });
  return { service, url: service.match[1] ?? '' };
}
