// A private Sentinel-managed Redis for tests: 1 primary, 1 replica, 3 sentinels on free ports, own temp dir, killed by PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Promotion } from './redis-cluster.js';
import { isAlive, ownProcesses, spawnOnFreePort } from './redis-process.js';

const run = promisify(execFile);

/** A running primary + replica + 3 sentinels owned by the test that started them. */
export interface RedisSentinelHandle {
  /** The master group's name (`REDIS_SENTINEL_NAME`). */
  readonly name: string;
  /** `REDIS_SENTINELS` for a gateway: every sentinel's `127.0.0.1:<port>`, comma-separated. */
  readonly sentinels: string;
  /** The data nodes as started: the primary's port first, then the replica's. */
  readonly dataPorts: readonly [number, number];
  /** One redis-cli call against `port` (a data node or a sentinel); its trimmed stdout. */
  cli(port: number, args: readonly string[]): Promise<string>;
  /** The primary's port as the first live sentinel reports it (`SENTINEL get-master-addr-by-name`). */
  primary(): Promise<number>;
  /** SIGKILLs the current primary (a crash: no goodbye); its port. */
  killPrimary(): Promise<number>;
  /** Resolves once a sentinel names a primary other than `from` (the switch clients follow). */
  waitForPromotion(options: { from: number; timeoutMs?: number }): Promise<Promotion>;
  /** Stops every process and removes the temp dir. */
  stop(): Promise<void>;
}

const NAME = 'llm-gateway-test';
const SENTINEL_COUNT = 3;
const READY_TIMEOUT_MS = 15_000;

/**
 * Starts the primary, a replica (`--replicaof`) and 3 sentinels (quorum 2, a primary counts as down
 * after 1 s unanswered); resolves once the replica is synced and every sentinel knows the primary, the
 * replica and the two other sentinels, so a kill right away ends in a failover.
 */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const { dir, children, stop } = ownProcesses('llm-gateway-sentinel-');
  const alive = (port: number) => isAlive(children.get(port));
  const cli = async (port: number, args: readonly string[]) =>
    (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  try {
    const primaryPort = await spawnOnFreePort({ spawnAt: (port) => spawnData(port, dir), children });
    const replicaPort = await spawnOnFreePort({
      spawnAt: (port) => spawnData(port, dir, primaryPort),
      children,
    });
    await until(
      async () => (await cli(replicaPort, ['INFO', 'replication'])).includes('master_link_status:up'),
      'the replica never synced',
    );
    const sentinelPorts: number[] = [];
    while (sentinelPorts.length < SENTINEL_COUNT) {
      const spawnAt = (port: number) => {
        const conf = join(dir, `sentinel-${port}.conf`);
        writeFileSync(conf, sentinelConf({ port, dir, primaryPort }));
        return spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'ignore', 'ignore'] });
      };
      sentinelPorts.push(await spawnOnFreePort({ spawnAt, children }));
    }
    await until(async () => {
      const views = await Promise.all(sentinelPorts.map((port) => sentinelView(cli, port)));
      return views.every((view) => view.replicas === 1 && view.sentinels === SENTINEL_COUNT - 1);
    }, 'the sentinels never found the replica and each other');
    const primary = async () => {
      for (const port of sentinelPorts) {
        if (!alive(port)) continue;
        const reply = await cli(port, ['SENTINEL', 'get-master-addr-by-name', NAME]).catch(() => '');
        const [, answered] = reply.split('\n');
        if (answered !== undefined) return Number(answered);
      }
      throw new Error('no live sentinel names a primary');
    };
    return {
      name: NAME,
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      dataPorts: [primaryPort, replicaPort],
      cli,
      primary,
      async killPrimary() {
        const port = await primary();
        children.get(port)?.kill('SIGKILL');
        return port;
      },
      async waitForPromotion({ from, timeoutMs = READY_TIMEOUT_MS }) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const now = await primary().catch(() => from);
          if (now !== from) return { port: now, at: Date.now() };
          if (Date.now() > deadline)
            throw new Error(`no sentinel switched away from ${from} within ${timeoutMs} ms`);
          await delay(25);
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function sentinelConf({
  port,
  dir,
  primaryPort,
}: {
  port: number;
  dir: string;
  primaryPort: number;
}): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${NAME} 127.0.0.1 ${primaryPort} 2`,
    // Down after 1 s unanswered, a failover retried after 3 s: a test's failover takes seconds, not minutes.
    `sentinel down-after-milliseconds ${NAME} 1000`,
    `sentinel failover-timeout ${NAME} 3000`,
    `sentinel parallel-syncs ${NAME} 1`,
    '',
  ].join('\n');
}

/** How many replicas (not down) and other sentinels one sentinel knows of. */
async function sentinelView(
  cli: (port: number, args: readonly string[]) => Promise<string>,
  port: number,
): Promise<{ replicas: number; sentinels: number }> {
  const count = async (what: string, healthy: (entry: string) => boolean) => {
    const reply = await cli(port, ['SENTINEL', what, NAME]).catch(() => '');
    // redis-cli prints each entry's fields flat; every entry has exactly one `name` field first.
    const entries = reply.split(/^name$/m).slice(1);
    return entries.filter(healthy).length;
  };
  const up = (entry: string) => !/s_down|o_down|disconnected/.test(entry);
  const synced = (entry: string) => up(entry) && /^master-link-status\nok$/m.test(entry);
  return { replicas: await count('replicas', synced), sentinels: await count('sentinels', up) };
}

function spawnData(port: number, dir: string, replicaOf?: number): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  // A diskless full sync waits 5 s by default for more replicas to join it: start it at once.
  args.push('--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--repl-diskless-sync-delay', '0');
  if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  return spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'ignore'] });
}

async function until(condition: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(failure);
    await delay(50);
  }
}
