// docker-compose's `scale` profile and deploy/haproxy/haproxy.cfg: three gateways on one Redis behind a
// load balancer that passes SSE through unbuffered, checks readiness, and outlasts the gateway's own limits.
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, parseConfig } from '../src/config.js';
import {
  type Doc,
  haproxyDefault,
  haproxyDurationMs,
  haproxySections,
  readRepoFile,
  readYaml,
} from './support/deploy-files.js';

const compose = readYaml('docker-compose.yml').docs[0] as Doc;
const services = compose.services as Record<string, Doc>;
/** A compose service, or a failed test naming it. */
const service = (name: string): Doc => {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml: no service "${name}"`);
  return found;
};
const inProfile = (profile: string) =>
  Object.keys(services).filter((name) => (service(name).profiles ?? []).includes(profile));
const replicas = inProfile('scale').filter((name) => service(name).image === 'llm-gateway:latest');
const envOf = (name: string) => service(name).environment as Record<string, string>;
const cfgText = readRepoFile('deploy/haproxy/haproxy.cfg');
const cfg = haproxySections(cfgText);
const section = (name: string): string[] => {
  const lines = cfg.get(name);
  if (lines === undefined) throw new Error(`haproxy.cfg: no section "${name}"`);
  return lines;
};
const directive = (lines: string[], name: string): string | undefined =>
  lines.find((line) => line === name || line.startsWith(`${name} `))?.slice(name.length + 1);
const backend = section('backend gateways');
const defaults = section('defaults');

describe('docker-compose.yml profiles', () => {
  it('plain `docker compose up` still starts only the gateway and Redis', () => {
    const always = Object.keys(services).filter((name) => service(name).profiles === undefined);
    expect(always.sort()).toEqual(['llm-gateway', 'redis']);
  });

  it('the scale profile has three gateway replicas and the load balancer', () => {
    expect(replicas).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    expect(inProfile('scale').sort()).toEqual([...replicas, 'lb'].sort());
  });

  it('the replicas share the one Redis and tell the limiter how many instances share it', () => {
    for (const name of replicas) {
      const env = envOf(name);
      expect(env.REDIS_URL).toBe(envOf('llm-gateway').REDIS_URL);
      expect(Number(env.RATE_LIMIT_INSTANCES)).toBe(replicas.length);
      expect(service(name).depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      // No published port: traffic reaches them through the load balancer only.
      expect(service(name).ports).toBeUndefined();
    }
  });

  it('every gateway variable in compose is one the gateway reads, with a value its config accepts', () => {
    for (const name of ['llm-gateway', ...replicas]) {
      const env = envOf(name);
      expect(Object.keys(env).filter((variable) => !CONFIG_VARIABLES.includes(variable))).toEqual([]);
      const config = parseConfig({ ...env, PROXYAPI_API_KEY: 'sk-from-dotenv' });
      expect(config.service.port).toBe(8001);
    }
  });

  it('Docker waits longer than the drain before SIGKILL', () => {
    for (const name of ['llm-gateway', ...replicas]) {
      const env = envOf(name);
      const drainMs = parseConfig({ ...env, PROXYAPI_API_KEY: 'k' }).shutdown.timeoutMs;
      expect(Number.parseInt(String(service(name).stop_grace_period), 10) * 1000).toBeGreaterThan(drainMs);
    }
  });

  it('the load balancer runs deploy/haproxy/haproxy.cfg and waits for healthy replicas', () => {
    const lb = service('lb');
    expect(String(lb.image)).toMatch(/^haproxy:/);
    expect(lb.volumes).toContain('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(Object.keys(lb.depends_on).sort()).toEqual(replicas);
    expect(lb.ports).toContain('8080:8080');
  });
});

describe('deploy/haproxy/haproxy.cfg', () => {
  it('passes streams through unbuffered: no-delay, keep-alive, no close mode, no compression', () => {
    expect(defaults).toContain('mode http');
    expect(defaults).toContain('option http-no-delay');
    expect(defaults).toContain('option http-keep-alive');
    const everyLine = [...cfg.values()].flat();
    for (const wrong of ['option http-server-close', 'option httpclose', 'option http-buffer-request']) {
      expect(everyLine).not.toContain(wrong);
    }
    expect(everyLine.filter((line) => line.startsWith('compression '))).toEqual([]);
  });

  it('never cuts a stream or a slow answer before the gateway’s own limits do', () => {
    const config = parseConfig({});
    // A JSON answer is silent until it is done: its last attempt may start just before the retry
    // deadline and then take the whole upstream timeout. Streams are silent at most the idle timeout.
    const longestSilenceMs = Math.max(
      config.retry.deadlineMs + config.upstream.timeoutMs,
      config.limits.streamIdleTimeoutMs,
    );
    for (const name of ['timeout server', 'timeout client']) {
      const value = directive(defaults, name);
      expect(value, name).toBeDefined();
      expect(haproxyDurationMs(value ?? '')).toBeGreaterThan(longestSilenceMs);
    }
  });

  it('sends traffic only to ready instances: the health check is the readiness probe', () => {
    expect(backend).toContain('option httpchk');
    expect(backend).toContain('http-check send meth GET uri /health/ready');
    expect(backend).toContain('http-check expect status 200');
    expect(directive(backend, 'default-server')).toMatch(/\bcheck\b/);
  });

  it('balances over the three compose replicas on the gateway port', () => {
    const servers = backend.filter((line) => line.startsWith('server ')).map((line) => line.split(' '));
    expect(servers.map((parts) => parts[1])).toEqual(replicas);
    const ports = replicas.map((name) => envOf(name).PORT);
    expect(servers.map((parts) => haproxyDefault(parts[2] ?? ''))).toEqual(
      replicas.map((name, i) => `${name}:${ports[i]}`),
    );
    expect(haproxyDefault(directive(section('frontend gateway'), 'bind') ?? '')).toBe(':8080');
  });
});
