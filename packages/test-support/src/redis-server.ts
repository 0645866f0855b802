// A private redis-server for tests: own free port, no persistence, killed by PID (also when the process exits).

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';

/** A running redis-server owned by the test that started it. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (resuming it first if paused) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops it and starts a fresh one, empty, on the same port; resolves when it answers PING. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 2000;

/** Starts redis-server on a free 127.0.0.1 port and resolves once it answers PING. */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const binary = findOnPath('redis-server');
  if (binary === undefined)
    throw new Error('redis-server not found: install it (apt-get install redis-server)');

  // The port is free when probed but could be taken before redis binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    try {
      return await runOn(binary, port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function runOn(binary: string, port: number): Promise<RedisServerHandle> {
  let child = await spawnReady(binary, port);
  let paused = false;
  // exit handlers must be synchronous; SIGKILL also ends a stopped (paused) process.
  const killOnExit = () => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const stopChild = async (): Promise<void> => {
    if (!isRunning(child)) return;
    if (paused) {
      child.kill('SIGCONT');
      paused = false;
    }
    const exited = waitForExit(child);
    child.kill('SIGTERM');
    const cancelTimer = new AbortController();
    const timedOut = delay(STOP_TIMEOUT_MS, true, { signal: cancelTimer.signal }).catch(() => false);
    const outcome = await Promise.race([exited.then(() => false), timedOut]);
    cancelTimer.abort();
    if (outcome) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild();
      process.off('exit', killOnExit);
    },
    async restart() {
      await stopChild();
      child = await spawnReady(binary, port);
      // Also after stop(), which removed it: exactly one listener per handle.
      process.off('exit', killOnExit);
      process.on('exit', killOnExit);
    },
    pause() {
      if (!isRunning(child)) throw new Error('redis-server is not running: cannot pause it');
      child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      // Safe to call in any afterEach: a no-op unless the server is running.
      if (isRunning(child)) child.kill('SIGCONT');
      paused = false;
    },
  };
}

async function spawnReady(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Kept short and always drained: a full pipe would block redis-server on its next log line.
  let output = '';
  const collect = (data: Buffer) => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError !== undefined) throw spawnError;
    if (!isRunning(child)) {
      throw new Error(`redis-server on port ${port} exited during start:\n${output}`);
    }
    if (await answersPing(port)) return child;
    await delay(25);
  }
  child.kill('SIGKILL');
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms:\n${output}`,
  );
}

/** One inline PING over raw TCP: true on `+PONG`. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function findOnPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
