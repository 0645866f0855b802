// Starting the redis-server processes of a test topology (cluster, sentinel) on free ports, retried when a port is taken.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;
const MAX_FAILED_STARTS = 5;

export interface SpawnOnFreePortOptions {
  /** Starts the process on `port`. */
  spawnAt: (port: number) => ChildProcess;
  /** Where every started process goes (also the failed ones: stop() waits for all of them). */
  children: Map<number, ChildProcess>;
  /** A port the caller cannot use (e.g. one whose cluster bus port, + 10000, is out of range). */
  unusable?: (port: number) => boolean;
}

/**
 * A port free when probed can be taken before redis-server binds it (or, on a cluster node, its bus
 * port can be): the process then exits, and another port is tried. Resolves with the port once it
 * answers PING.
 */
export async function spawnOnFreePort(options: SpawnOnFreePortOptions): Promise<number> {
  const { spawnAt, children, unusable = () => false } = options;
  for (let failed = 0; failed < MAX_FAILED_STARTS; ) {
    const port = await freePort();
    if (unusable(port) || children.has(port)) continue;
    const child = spawnAt(port);
    children.set(port, child);
    if (await untilAnswers(port, child)) return port;
    failed += 1;
  }
  throw new Error(`redis-server exited at start ${MAX_FAILED_STARTS} times (ports taken?)`);
}

/** True once the process on `port` answers PING; false if it exited first. */
async function untilAnswers(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const reply = await run('redis-cli', ['-p', String(port), 'PING']).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (reply === 'PONG') return true;
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} never answered`);
    await delay(50);
  }
}

/** True while `child` has neither exited nor been killed. */
export function isAlive(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** A topology's processes by port and its temp dir; stop() kills them all (also done on process exit). */
export interface OwnedProcesses {
  dir: string;
  children: Map<number, ChildProcess>;
  stop(): Promise<void>;
}

export function ownProcesses(dirPrefix: string): OwnedProcesses {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const children = new Map<number, ChildProcess>();
  // Exit handlers must be synchronous: a crashed test run must not leave servers behind.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  return {
    dir,
    children,
    async stop() {
      const exits = [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (!isAlive(child)) resolve();
            else child.once('exit', () => resolve());
          }),
      );
      killAll();
      await Promise.all(exits);
      process.off('exit', killAll);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
