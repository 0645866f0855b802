// Docker cannot run here, so the compose file is checked as data: services, ports, env, the Redis dependency.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
  services: Record<string, Record<string, unknown>>;
};

describe('docker-compose.yml', () => {
  const gateway = compose.services['llm-gateway'] ?? {};
  const redis = compose.services.redis ?? {};

  it('runs the gateway and redis (the `scale` profile adds more: deploy-load-balancer.test.ts)', () => {
    const always = Object.entries(compose.services).filter(([, service]) => service.profiles === undefined);
    expect(always.map(([name]) => name).sort()).toEqual(['llm-gateway', 'redis']);
    expect(gateway.build).toBe('.');
    expect(String(redis.image)).toMatch(/^redis:/);
  });

  it('publishes the spec port 8001', () => {
    expect(gateway.ports).toEqual(['8001:8001']);
  });

  it('points the gateway at the redis service and requires the upstream key', () => {
    const env = gateway.environment as Record<string, string>;
    expect(env.REDIS_URL).toBe('redis://redis:6379/1');
    expect(env.PORT).toBe('8001');
    expect(env.PROXYAPI_API_KEY).toMatch(/^\$\{PROXYAPI_API_KEY:\?/);
  });

  it('starts the gateway only once redis is healthy', () => {
    expect(gateway.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect((redis.healthcheck as { test: string[] }).test).toContain('ping');
  });

  it('builds from a multi-stage Dockerfile that runs as a non-root user', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8001$/m);
    expect(existsSync(new URL('.dockerignore', root))).toBe(true);
  });
});
