// The three gateway instances of the scale test: the built gateway, production settings, one shared Redis.
import { freePort } from '@llm-gateway/test-support/free-port';
import { GATEWAY_MAIN } from '../paths.js';
import { type Service, spawnService } from '../spawn-service.js';

export interface InstancesOptions {
  count: number;
  upstreamUrl: string;
  redisUrl: string;
  /** RATE_LIMIT_REQUESTS_PER_MINUTE: one limit for all instances together. */
  limitPerMinute: number;
  logDir: string;
}

export interface Instance {
  name: string;
  port: number;
  service: Service;
  /** `127.0.0.1:PORT`, as the load balancer's server line takes it. */
  address: string;
}

/** The settings every instance gets (the report lists them). */
export function instanceSettings(options: InstancesOptions): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    REDIS_URL: options.redisUrl,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_REQUESTS_PER_MINUTE: String(options.limitPerMinute),
    RATE_LIMIT_INSTANCES: String(options.count),
    RATE_LIMIT_REDIS_DOWN: 'local',
    CACHE_ENABLED: 'true',
  };
}

export async function startInstances(options: InstancesOptions): Promise<Instance[]> {
  const names = Array.from({ length: options.count }, (_, i) => `gateway-${i + 1}`);
  // Fixed ports (not 0): the load balancer's configuration names them before the load starts.
  return Promise.all(names.map(async (name) => startInstance({ name, port: await freePort() }, options)));
}

/** Where one instance runs: its name and port (a restarted instance keeps both). */
export interface InstanceSlot {
  name: string;
  port: number;
}

export async function startInstance(slot: InstanceSlot, options: InstancesOptions): Promise<Instance> {
  const service = await spawnService({
    // A restarted instance writes a second log beside the first.
    name: `${slot.name}-${Date.now().toString(36)}`,
    command: process.execPath,
    args: [GATEWAY_MAIN],
    env: {
      PATH: process.env.PATH ?? '',
      ...instanceSettings(options),
      SERVICE_NAME: slot.name,
      HOST: '127.0.0.1',
      PORT: String(slot.port),
      // An empty env file: no stray .env from the working tree changes what is measured.
      ENV_FILE: '/dev/null',
      PROXYAPI_API_KEY: 'bench-key',
      OPENROUTER_BASE_URL: `${options.upstreamUrl}/v1`,
    },
    ready: /Server listening at http:\/\/127\.0\.0\.1:\d+/,
    logDir: options.logDir,
  });
  return { name: slot.name, port: slot.port, service, address: `127.0.0.1:${slot.port}` };
}
