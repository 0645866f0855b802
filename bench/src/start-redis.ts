// A private redis-server (no persistence) on a free loopback port, for the gateway's Redis cache variant.
// The subpath keeps the bench process free of the test toolkit (vitest, ajv).
import { freePort } from '@llm-gateway/test-support/free-port';
import { type Service, spawnService } from './spawn-service.js';

export interface RedisProcess {
  service: Service;
  url: string;
}

export async function startRedis(logDir: string): Promise<RedisProcess> {
  const port = await freePort();
  const service = await spawnService({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    env: { PATH: process.env.PATH ?? '' },
    ready: /Ready to accept connections/,
    logDir,
  });
  return { service, url: `redis://127.0.0.1:${port}` };
}
