// Every child process the bench started, so each one is stopped by PID on success, failure, signal or exit.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { sleep } from './sleep.js';

const children = new Map<number, { name: string; child: ChildProcess }>();
const STOP_GRACE_MS = 5000;

/** Tracks `child` until it exits. */
export function registerChild(name: string, child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  children.set(pid, { name, child });
  child.once('exit', () => children.delete(pid));
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL if the child has not exited after a grace period. Resolves once it is gone. */
export async function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const ac = new AbortController();
  const outcome = await Promise.race([
    exited.then(() => 'exited' as const),
    sleep(graceMs, 'timeout' as const, { signal: ac.signal }).catch(() => 'exited' as const),
  ]);
  ac.abort();
  if (outcome === 'timeout' && isRunning(child)) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Stops every tracked child (in parallel). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children.values()].map(({ child }) => stopChild(child)));
}

let hooksInstalled = false;

/**
 * On SIGINT/SIGTERM: stop the children, then exit 130/143. On any exit (including a crash), SIGKILL
 * what is left: 'exit' handlers must be synchronous, and an orphaned simulator would hold its port.
 */
export function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\nbench: ${signal}, stopping ${children.size} child process(es)\n`);
    stopAllChildren().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('exit', () => {
    for (const { child } of children.values()) if (isRunning(child)) child.kill('SIGKILL');
  });
}
