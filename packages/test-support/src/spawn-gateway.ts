// Starts the built gateway (apps/gateway/dist/main.js) as a child process and waits until it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface SpawnedGateway {
  url: string;
  process: ChildProcess;
  /** Every stdout/stderr line so far. */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The same path from src/ (tests) and dist/: both sit three levels below the repository root. */
const MAIN = fileURLToPath(new URL('../../../apps/gateway/dist/main.js', import.meta.url));

/** `env` replaces the parent's environment (only PATH is kept), so a developer's .env or shell leaks nothing in. */
export async function spawnGateway(env: Record<string, string>, timeoutMs = 10_000): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A crashed test run must not leave a gateway behind; exit handlers must be synchronous.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A gateway that never reported listening must not outlive the test that gave up on it.
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${output.join('\n')}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      for (const line of data.toString('utf8').split('\n')) {
        if (line === '') continue;
        output.push(line);
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    process: child,
    output,
    stop: async (signal = 'SIGTERM') => {
      // A process killed by a signal has no exit code, only a signalCode; either means it is gone.
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
