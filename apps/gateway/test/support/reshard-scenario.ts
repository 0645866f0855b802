// The resharding test's steps: a slot filled so its move spans the load, the ASKs seen on the target, the move under load.
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { RedisClusterHandle, SlotMigration, SpawnedGateway } from '@llm-gateway/test-support';
import { boundedLoad, summary, untilEachWrites } from './failover-load.js';

/**
 * Puts `count` keys into the slot of hash tag `tag` (one MSET: they share the slot), so that moving
 * the slot takes several MIGRATE batches and the limiter's key is redirected with ASK for a while.
 */
export async function fillSlot(cluster: RedisClusterHandle, tag: string, count: number): Promise<void> {
  const owner = await cluster.primaryFor(`{${tag}}`);
  const pairs = Array.from({ length: count }, (_, i) => [`reshard-filler:{${tag}}:${i}`, 'x']).flat();
  await cluster.cli(owner, ['MSET', ...pairs]);
}

/** A MONITOR line: `<time> [<db> <client addr>] "<command>" …`. */
const COMMAND = /^[\d.]+ \[\d+ [\d.]+:\d+\] "([a-z]+)"/i;

/**
 * Counts, on node `port`, the ASKING commands (a client followed an ASK redirection) and the script
 * runs (EVAL/EVALSHA) from the start until stop() — the limiter's calls that ASK sent there.
 */
export function countAsked(port: number): () => { asking: number; scripts: number } {
  const counts = { asking: 0, scripts: 0 };
  const monitor = spawn('redis-cli', ['-p', String(port), 'MONITOR'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const kill = () => monitor.kill('SIGKILL');
  process.once('exit', kill);
  let buffered = '';
  monitor.stdout.on('data', (data: Buffer) => {
    const lines = (buffered + data.toString('utf8')).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const command = COMMAND.exec(line)?.[1]?.toLowerCase();
      if (command === 'asking') counts.asking += 1;
      if (command === 'eval' || command === 'evalsha') counts.scripts += 1;
    }
  });
  return () => {
    kill();
    process.off('exit', kill);
    return { ...counts };
  };
}

export interface ReshardOptions {
  cluster: RedisClusterHandle;
  gateways: readonly SpawnedGateway[];
  /** The limiter's bucket key: its slot is moved. */
  key: string;
  /** The primary that gets the slot. */
  to: number;
  /** How long the load (50 req/s) runs; the migration starts `migrateAtMs` into it. */
  durationMs: number;
  migrateAtMs: number;
  /** Pause after each MIGRATE batch (see migrateSlot). */
  pauseMs: number;
}

/**
 * 50 req/s over the instances; `migrateAtMs` into it the key's slot moves to `to`; once it is there,
 * how long each instance took to run the bucket script on `to` (MOVED, within 3 s), while the load
 * still runs. Also the ASKING commands `to` saw during the move.
 */
export async function reshardUnderLoad(options: ReshardOptions) {
  const { cluster, gateways, key, to, durationMs, migrateAtMs, pauseMs } = options;
  const load = boundedLoad({ urls: gateways.map((gateway) => gateway.url), perSecond: 50, durationMs });
  await delay(migrateAtMs);
  const stopCounting = countAsked(to);
  const migration = await cluster.migrateSlot({ key, to, pauseMs });
  const asked = stopCounting();
  const writers = await untilEachWrites({
    port: to,
    pids: gateways.map((gateway) => gateway.process.pid ?? -1),
    since: migration.doneAt,
    timeoutMs: 3000,
  });
  // Read while the load still writes the bucket: it expires about 1 s after its last write.
  const placement = await keyPlacement(cluster, migration, key);
  const result = summary(await load);
  return {
    migration,
    writers,
    placement,
    measured: {
      migrationMs: migration.doneAt - migration.startedAt,
      keysMoved: migration.keysMoved,
      askedDuringMove: asked,
      wroteAfterMoveMs: [...writers.values()],
      ...result,
    },
  };
}

/** Whether the new owner holds `key` (asked directly, no redirection), and the keys of the slot on each side. */
async function keyPlacement(cluster: RedisClusterHandle, migration: SlotMigration, key: string) {
  const slot = String(migration.slot);
  const [existsOnTarget, keysOnTarget, keysOnSource] = await Promise.all([
    cluster.cli(migration.to, ['EXISTS', key]),
    cluster.cli(migration.to, ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
    cluster.cli(migration.from, ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
  ]);
  return {
    existsOnTarget: Number(existsOnTarget),
    keysOnTarget: Number(keysOnTarget),
    keysOnSource: Number(keysOnSource),
  };
}

/** Lines where an instance's limiter or cache gave up on Redis ("Redis unreachable, …"). */
export function fallbackLines(outputs: ReadonlyArray<readonly string[]>): string[] {
  return outputs.flatMap((lines) => lines.filter((line) => line.includes('Redis unreachable')));
}
