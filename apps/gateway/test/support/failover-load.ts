// What the failover tests share: a bounded open-loop load over several instances, and who writes to a node.
import { execFile, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One chat request's outcome: its status (0 = failed at network level) and how long it took. */
export interface Outcome {
  status: number;
  ms: number;
  /** Which instance (index into the URLs) and when it was sent (ms after the load started). */
  instance?: number;
  sentAtMs?: number;
  error?: string;
}

export interface LoadOptions {
  /** The instances' base URLs; requests go round-robin. */
  urls: readonly string[];
  perSecond: number;
  durationMs: number;
  /** Called once, `atMs` after the load started (the kill). */
  at?: { atMs: number; run: () => void };
}

/** Any answer (even a slow one) ends well within this: a hung request is recorded, not awaited forever. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Sends `perSecond × durationMs` requests evenly spaced (open loop: a slow answer does not slow the
 * sending), each with its own prompt so none is a cache hit or joins another; resolves when all ended.
 */
export async function boundedLoad(options: LoadOptions): Promise<Outcome[]> {
  const { urls, perSecond, durationMs, at } = options;
  const count = Math.round((perSecond * durationMs) / 1000);
  const start = Date.now();
  const pending: Promise<Outcome>[] = [];
  let fired = false;
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / perSecond;
    if (due > Date.now()) await delay(due - Date.now());
    if (at !== undefined && !fired && Date.now() - start >= at.atMs) {
      fired = true;
      at.run();
    }
    const sentAtMs = Date.now() - start;
    const instance = i % urls.length;
    pending.push(
      chat(urls[instance] ?? '', `failover ${start} ${i}`).then((o) => ({ ...o, instance, sentAtMs })),
    );
  }
  return Promise.all(pending);
}

async function chat(url: string, content: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content }] }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, error: String(error) };
  }
}

/** The requests answered 5xx or not at all, and the slowest one's time. */
export function summary(outcomes: readonly Outcome[]) {
  const failed = outcomes.filter((o) => o.status === 0 || o.status >= 500);
  return {
    total: outcomes.length,
    ok: outcomes.filter((o) => o.status === 200).length,
    failed: failed.length,
    firstFailures: failed.slice(0, 3),
    maxMs: Math.round(Math.max(...outcomes.map((o) => o.ms))),
    slowest: [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 5),
  };
}

export interface WritersOptions {
  /** The node that took over. */
  port: number;
  /** The gateway processes' PIDs: each names its connections `llm-gateway:<host>:<pid>`. */
  pids: readonly number[];
  /** When the node took over (Date.now()). */
  since: number;
  timeoutMs: number;
}

/** A MONITOR line: `<time> [<db> <client addr>] "<command>" …`. */
const SCRIPT_RUN = /^[\d.]+ \[\d+ ([\d.]+:\d+)\] "(?:evalsha|eval)"/i;

/**
 * For each PID, ms from `since` until the node ran the bucket's script (EVALSHA, or EVAL after
 * NOSCRIPT on a node that never loaded it) for one of its connections: the instance writes its limiter
 * state there. MONITOR shows only commands the node executed (not those it redirected with MOVED, which
 * CLIENT LIST's `cmd` would also show); CLIENT LIST maps the connection's address to its name.
 * Undefined for a PID not seen within `timeoutMs` of `since`.
 */
export async function untilEachWrites(options: WritersOptions): Promise<Map<number, number | undefined>> {
  const { port, pids, since, timeoutMs } = options;
  const seen = new Map<number, number | undefined>(pids.map((pid) => [pid, undefined]));
  const firstRun = new Map<string, number>();
  const monitor = spawn('redis-cli', ['-p', String(port), 'MONITOR'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const killMonitor = () => monitor.kill('SIGKILL');
  process.once('exit', killMonitor);
  let buffered = '';
  monitor.stdout.on('data', (data: Buffer) => {
    const lines = (buffered + data.toString('utf8')).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const addr = SCRIPT_RUN.exec(line)?.[1];
      if (addr !== undefined && !firstRun.has(addr)) firstRun.set(addr, Date.now());
    }
  });
  try {
    while (Date.now() - since <= timeoutMs && [...seen.values()].includes(undefined)) {
      await delay(100);
      const clients = await clientList(port);
      for (const [addr, at] of firstRun) {
        const pid = clients.get(addr);
        if (pid !== undefined && seen.has(pid) && seen.get(pid) === undefined) seen.set(pid, at - since);
      }
    }
  } finally {
    killMonitor();
    process.off('exit', killMonitor);
  }
  return seen;
}

/** Each connection's address → the PID in its name (`llm-gateway:<host>:<pid>`). */
async function clientList(port: number): Promise<Map<string, number>> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'CLIENT', 'LIST']).catch(() => ({
    stdout: '',
  }));
  const clients = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const addr = / addr=([^ ]+) /.exec(line)?.[1];
    const pid = / name=llm-gateway:[^ ]*:(\d+) /.exec(line)?.[1];
    if (addr !== undefined && pid !== undefined) clients.set(addr, Number(pid));
  }
  return clients;
}
