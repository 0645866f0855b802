// Starts a long-running child with its output in a log file, and waits for its "ready" line there.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerChild, stopChild } from './child-registry.js';
import { sleep } from './sleep.js';

export interface ServiceSpec {
  /** Short name, also the log file's name. */
  name: string;
  command: string;
  args: readonly string[];
  /** The child's whole environment (nothing is inherited unless passed here). */
  env: NodeJS.ProcessEnv;
  /** Matched against the log; the first capture group is usually the URL. */
  ready: RegExp;
  logDir: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The ready line's match. */
  match: RegExpExecArray;
  logFile: string;
  stop(): Promise<void>;
}

const POLL_MS = 25;

/**
 * Output goes straight to a file (not a pipe to us): the gateway logs a line per request at info level,
 * and reading that here would cost the load generator CPU and keep it in memory.
 */
export async function spawnService(spec: ServiceSpec): Promise<Service> {
  const logFile = join(spec.logDir, `${spec.name}.log`);
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // The child has its own copy.
  }
  registerChild(spec.name, child);
  const stop = (): Promise<void> => stopChild(child);
  try {
    const match = await waitForLine(child, {
      logFile,
      ready: spec.ready,
      timeoutMs: spec.timeoutMs ?? 20_000,
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: no pid`);
    return { name: spec.name, pid: child.pid, child, match, logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The log file to poll, the line that means ready, and how long to wait for it. */
interface ReadyWait {
  logFile: string;
  ready: RegExp;
  timeoutMs: number;
}

async function waitForLine(
  child: ChildProcess,
  { logFile, ready, timeoutMs }: ReadyWait,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(logFile, 'utf8');
    const match = ready.exec(text);
    if (match) return match;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${logFile}: exited (${child.exitCode ?? child.signalCode}) before ready:\n${tail(text)}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`${logFile}: not ready after ${timeoutMs} ms:\n${tail(text)}`);
    await sleep(POLL_MS);
  }
}

function tail(text: string): string {
  return text.split('\n').slice(-20).join('\n');
}
