// A private Redis Cluster for tests: 3 primaries + 3 replicas on free ports, own temp dir, killed by PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isAlive, ownProcesses, spawnOnFreePort } from './redis-process.js';
import { migrateSlot, type SlotMigration, type SlotMigrationOptions } from './redis-slot-migration.js';

export type { SlotMigration } from './redis-slot-migration.js';

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
  /** The port of the replica of the primary on `port` (the one a failover promotes). */
  replicaOf(port: number): Promise<number>;
  /** SIGKILLs the node on `port` (a crash: no goodbye to the cluster). */
  kill(port: number): void;
  /**
   * Resolves once a live node other than `killed` says of itself that it is the primary of `key`'s
   * slot: the moment it took over (by its own view, which the others and the clients follow).
   */
  waitForPromotion(options: { key: string; killed: number; timeoutMs?: number }): Promise<Promotion>;
  /** The ports of the live primaries (masters not flagged failed), in CLUSTER NODES order. */
  primaries(): Promise<number[]>;
  /** Moves `key`'s slot with its keys from its primary to the primary on `to` (see redis-slot-migration.ts). */
  migrateSlot(
    options: Pick<SlotMigrationOptions, 'key' | 'to' | 'batch' | 'pauseMs'>,
  ): Promise<SlotMigration>;
  /** Stops every node and removes the temp dir. */
  stop(): Promise<void>;
}

/** A replica that took over a slot from a killed primary. */
export interface Promotion {
  port: number;
  /** `Date.now()` when the promotion was first seen (polled every 25 ms). */
  at: number;
}

const NODE_COUNT = 6;
const READY_TIMEOUT_MS = 15_000;

/** Starts 6 cluster-enabled redis-servers, joins them with `redis-cli --cluster create --cluster-replicas 1`. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const { dir, children, stop } = ownProcesses('llm-gateway-cluster-');
  try {
    const ports: number[] = [];
    while (ports.length < NODE_COUNT) {
      const port = await spawnOnFreePort({
        spawnAt: (at) => spawnNode(at, dir),
        children,
        // The cluster bus listens on port + 10000.
        unusable: (at) => at > 55_000,
      });
      ports.push(port);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes']);
    await untilReplies(ports, ['CLUSTER', 'INFO'], {
      when: (infos) => infos.every((info) => info.includes('cluster_state:ok')),
      failure: 'the cluster never reached cluster_state:ok',
    });
    // A replica that has not finished its first sync refuses to fail over (its data counts as too
    // old): a test that kills a primary right away would wait for a promotion that never comes.
    await untilReplies(ports, ['INFO', 'replication'], {
      when: (infos) =>
        infos.filter((info) => info.includes('role:slave') && info.includes('master_link_status:up'))
          .length ===
        NODE_COUNT / 2,
      failure: 'the replicas never finished their first sync',
    });
    const cli = async (port: number, args: readonly string[]) =>
      (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
    const alive = (port: number) => isAlive(children.get(port));
    const primaries = async () => {
      const asked = ports.find(alive) ?? ports[0] ?? 0;
      return primariesIn(await cli(asked, ['CLUSTER', 'NODES']));
    };
    const handle: RedisClusterHandle = {
      nodes,
      seeds: nodes.join(','),
      cli,
      async primaryFor(key) {
        // A live node's CLUSTER NODES: the master (not failed) whose slot ranges hold the key's slot.
        for (const port of ports) {
          if (!alive(port)) continue;
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
      async replicaOf(port) {
        const [replica] = replicasIn(await cli(port, ['CLUSTER', 'NODES']), port);
        if (replica === undefined) throw new Error(`no replica of ${port}`);
        return replica;
      },
      kill(port) {
        children.get(port)?.kill('SIGKILL');
      },
      async waitForPromotion({ key, killed, timeoutMs = READY_TIMEOUT_MS }) {
        const deadline = Date.now() + timeoutMs;
        const asked = ports.find((port) => port !== killed && alive(port)) ?? killed;
        const slot = Number(await cli(asked, ['CLUSTER', 'KEYSLOT', key]));
        // Only the killed primary's replicas can take over; each knows first that it did.
        const candidates = replicasIn(await cli(asked, ['CLUSTER', 'NODES']), killed);
        for (;;) {
          for (const port of candidates) {
            if (!alive(port)) continue;
            const nodes = await cli(port, ['CLUSTER', 'NODES']).catch(() => '');
            const mine = nodes.split('\n').filter((line) => line.includes('myself'));
            if (masterOf(mine.join('\n'), slot) === port) return { port, at: Date.now() };
          }
          if (Date.now() > deadline) throw new Error(`no replica took over ${key} within ${timeoutMs} ms`);
          await delay(25);
        }
      },
      primaries,
      async migrateSlot(options) {
        const from = await handle.primaryFor(options.key);
        return migrateSlot(cli, { ...options, from, primaries: await primaries() });
      },
      stop,
    };
    return handle;
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
      // Always fail over, however long the replica was cut off: a test's kill must end in a promotion.
      '--cluster-replica-validity-factor',
      '0',
      // A diskless full sync waits 5 s by default for more replicas to join it: start it at once.
      '--repl-diskless-sync-delay',
      '0',
      '--dir',
      dir,
      '--dbfilename',
      `dump-${port}.rdb`,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  return child;
}

/** Asks every node `args` until `done(replies)`; a node that does not answer replies ''. */
async function untilReplies(
  ports: readonly number[],
  args: readonly string[],
  done: { when: (replies: string[]) => boolean; failure: string },
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const replies = await Promise.all(
      ports.map((port) =>
        run('redis-cli', ['-p', String(port), ...args]).then(
          (r) => r.stdout,
          () => '',
        ),
      ),
    );
    if (done.when(replies)) return;
    if (Date.now() > deadline) throw new Error(done.failure);
    await delay(100);
  }
}

/** The ports of the replicas of the primary on `port`, from any node's CLUSTER NODES. */
function replicasIn(nodes: string, port: number): number[] {
  const lines = nodes.split('\n').map((line) => line.trim().split(' '));
  const id = lines.find((fields) => fields[1] !== undefined && portOf(fields[1]) === port)?.[0];
  return lines
    .filter((fields) => id !== undefined && fields[3] === id && fields[2]?.includes('slave'))
    .map((fields) => portOf(fields[1] ?? ''));
}

/** The ports of the masters not flagged failed in a CLUSTER NODES reply. */
function primariesIn(nodes: string): number[] {
  return nodes
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(
      ([, address, flags]) => address !== undefined && flags?.includes('master') && !flags.includes('fail'),
    )
    .map(([, address]) => portOf(address ?? ''));
}

/** `127.0.0.1:7001@17001` → 7001. */
function portOf(address: string): number {
  return Number(address.split('@')[0]?.split(':')[1]);
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
    if (served) return portOf(address);
  }
  return undefined;
}
