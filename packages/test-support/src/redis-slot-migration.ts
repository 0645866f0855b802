// Resharding a test Redis Cluster: one slot and its keys moved between primaries, as redis-cli --cluster reshard does.
import { setTimeout as delay } from 'node:timers/promises';

/** One redis-cli call against node `port`; its trimmed stdout. */
export type ClusterCli = (port: number, args: readonly string[]) => Promise<string>;

export interface SlotMigrationOptions {
  /** Moves the slot this key hashes to. */
  key: string;
  /** Port of the primary that owns the slot now. */
  from: number;
  /** Port of the primary that gets it. */
  to: number;
  /** Ports of every primary: each is told the new owner at the end. */
  primaries: readonly number[];
  /** Keys per MIGRATE; default 100. */
  batch?: number;
  /** Pause after each MIGRATE (the last one included), so the move spans a load; default 0. */
  pauseMs?: number;
}

/** What a migration did, and when (`Date.now()`). */
export interface SlotMigration {
  slot: number;
  from: number;
  to: number;
  keysMoved: number;
  startedAt: number;
  /** When SETSLOT … NODE reached the target: from here clients are sent there by MOVED. */
  doneAt: number;
}

/**
 * IMPORTING on the target, MIGRATING on the source, then GETKEYSINSLOT + MIGRATE in batches until
 * the source holds none (a key the source no longer has is created on the target, after ASK), then
 * SETSLOT … NODE on the target, the source and the other primaries (the order redis-cli uses: the
 * target first, so no node ever points a client back at the source). Replicas learn it by gossip.
 */
export async function migrateSlot(cli: ClusterCli, options: SlotMigrationOptions): Promise<SlotMigration> {
  const { key, from, to, primaries, batch = 100, pauseMs = 0 } = options;
  const startedAt = Date.now();
  const slot = Number(await cli(from, ['CLUSTER', 'KEYSLOT', key]));
  const [fromId, toId] = await Promise.all([cli(from, ['CLUSTER', 'MYID']), cli(to, ['CLUSTER', 'MYID'])]);
  const must = async (port: number, args: readonly string[]) => {
    const reply = await cli(port, args);
    // redis-cli prints an error reply on stdout ("ERR …", "IOERR …") and may still exit 0.
    if (!/^(OK|NOKEY)$/.test(reply)) throw new Error(`${args.join(' ')} on ${port}: ${reply}`);
  };
  await must(to, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId]);
  await must(from, ['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId]);
  let keysMoved = 0;
  for (;;) {
    const keys = (await cli(from, ['CLUSTER', 'GETKEYSINSLOT', String(slot), String(batch)]))
      .split('\n')
      .filter((line) => line !== '');
    if (keys.length === 0) break;
    await must(from, ['MIGRATE', '127.0.0.1', String(to), '', '0', '5000', 'KEYS', ...keys]);
    keysMoved += keys.length;
    if (pauseMs > 0) await delay(pauseMs);
  }
  await must(to, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
  const doneAt = Date.now();
  await must(from, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
  const others = primaries.filter((port) => port !== from && port !== to);
  await Promise.all(others.map((port) => must(port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId])));
  return { slot, from, to, keysMoved, startedAt, doneAt };
}
