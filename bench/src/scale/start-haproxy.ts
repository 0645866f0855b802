// HAProxy from the distribution, running the repo's deploy/haproxy/haproxy.cfg pointed at loopback ports.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '@llm-gateway/test-support/free-port';
import { REPO_ROOT } from '../paths.js';
import { type Service, spawnService } from '../spawn-service.js';

export const HAPROXY_CFG = `${REPO_ROOT}deploy/haproxy/haproxy.cfg`;

export interface HaproxyProcess {
  service: Service;
  /** `http://127.0.0.1:PORT`: the load balancer's front end. */
  url: string;
  /** `http://127.0.0.1:PORT/stats`: its stats page (`;csv` for the counters). */
  statsUrl: string;
  /** One command on the runtime API (e.g. `set server gateways/gateway-2 state drain`); its answer. */
  admin(command: string): Promise<string>;
}

/** Why the scale test cannot run here, or undefined when `haproxy` is on PATH. */
export function haproxyMissing(): string | undefined {
  const probe = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return 'haproxy is not on PATH: install it (Debian/Ubuntu: apt-get install -y haproxy) and run again';
}

/** The first line of `haproxy -v`, for the report. */
export function haproxyVersion(): string {
  return spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'haproxy';
}

/**
 * The same file docker-compose's `scale` profile mounts; only the addresses differ, through the
 * environment variables the file reads. `-W -db`: master-worker in the foreground, so SIGTERM to
 * the master's PID stops the worker too.
 */
export async function startHaproxy(backends: readonly string[], logDir: string): Promise<HaproxyProcess> {
  const [port, statsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    LB_BIND: `127.0.0.1:${port}`,
    LB_STATS_BIND: `127.0.0.1:${statsPort}`,
    LB_ADMIN_BIND: `ipv4@127.0.0.1:${adminPort}`,
  };
  backends.forEach((address, i) => {
    env[`GATEWAY_${i + 1}`] = address;
  });
  const service = await spawnService({
    name: 'haproxy',
    command: 'haproxy',
    args: ['-W', '-db', '-f', HAPROXY_CFG],
    env,
    ready: /Loading success/,
    logDir,
  });
  return {
    service,
    url: `http://127.0.0.1:${port}`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    admin: (command) => adminCommand(adminPort, command),
  };
}

/** The runtime API answers one command per connection and then closes it. */
function adminCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error(`haproxy admin: no answer to "${command}"`)));
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (data: string) => {
      answer += data;
    });
    socket.on('end', () => resolve(answer.trim()));
    socket.on('error', reject);
  });
}
