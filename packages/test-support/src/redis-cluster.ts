// A private Redis Cluster for tests: 3 primaries + 3 replicas on free ports, own temp dir, killed by PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A running cluster owned by the test that started it. */
export interface RedisClusterHandle {
  /** `127.0.0.1:<port>` of every node, primaries first as created. */
  readonly nodes: readonly string[];
  /** `REDIS_CLUSTER_NODES` for a gateway: every node, comma-separated. */
  readonly seeds: string;
  /** One redis-cli call against node `port` (e.g. `['CLUSTER', 'KEYSLOT', key]`); its trimmed stdout. */
  cli(port: number, args: readonly string[]): Promise<string>;
  /** The port of the primary serving `key`'s slot now. */
  primaryFor(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (a crash: no goodbye to the cluster). */
  kill(port: number): void;
  /** Stops every node and removes the temp dir. */
  stop(): Promise<void>;
}

const NODE_COUNT = 6;
const READY_TIMEOUT_MS = 15_000;

/** Starts 6 cluster-enabled redis-servers, joins them with `redis-cli --cluster create --cluster-replicas 1`. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-cluster-'));
  const children = new Map<number, ChildProcess>();
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  const stop = async () => {
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        }),
    );
    killAll();
    await Promise.all(exits);
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < NODE_COUNT) {
      const port = await freePort();
      // The cluster bus listens on port + 10000.
      if (port > 55_000 || ports.includes(port)) continue;
      ports.push(port);
      children.set(port, spawnNode(port, dir));
    }
    for (const port of ports) await untilAnswers(port);
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes']);
    await untilClusterOk(ports);
    const cli = async (port: number, args: readonly string[]) =>
      (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
    return {
      nodes,
      seeds: nodes.join(','),
      cli,
      async primaryFor(key) {
        // A live node's CLUSTER NODES: the master (not failed) whose slot ranges hold the key's slot.
        for (const port of ports) {
          const child = children.get(port);
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
          try {
            const slot = Number(await cli(port, ['CLUSTER', 'KEYSLOT', key]));
            const owner = masterOf(await cli(port, ['CLUSTER', 'NODES']), slot);
            if (owner !== undefined) return owner;
          } catch {
            // This node is gone too: ask the next.
          }
        }
        throw new Error(`no live node knows the owner of ${key}`);
      },
      kill(port) {
        children.get(port)?.kill('SIGKILL');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function spawnNode(port: number, dir: string): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '1000',
      '--dir',
      dir,
      '--dbfilename',
      `dump-${port}.rdb`,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  return child;
}

async function untilAnswers(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await run('redis-cli', ['-p', String(port), 'PING'])).stdout.trim() === 'PONG') return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} never answered`);
    await delay(50);
  }
}

async function untilClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const states = await Promise.all(
      ports.map((port) =>
        run('redis-cli', ['-p', String(port), 'CLUSTER', 'INFO']).then(
          (r) => r.stdout,
          () => '',
        ),
      ),
    );
    if (states.every((info) => info.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error('the cluster never reached cluster_state:ok');
    await delay(100);
  }
}

/** `<id> <ip>:<port>@<bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>` per line. */
function masterOf(nodes: string, slot: number): number | undefined {
  for (const line of nodes.split('\n')) {
    const [, address, flags, , , , , , ...ranges] = line.trim().split(' ');
    if (address === undefined || flags === undefined) continue;
    if (!flags.split(',').includes('master') || flags.includes('fail')) continue;
    const served = ranges.some((range) => {
      const [start, end = start] = range.split('-').map(Number);
      return start !== undefined && end !== undefined && slot >= start && slot <= end;
    });
    if (served) return Number(address.split('@')[0]?.split(':')[1]);
  }
  return undefined;
}
