// Concurrent SSE streams (closed loop: each of N slots opens a new stream when its last one ends).
import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';
import { oneStream } from './one-stream.js';
import { type StreamLoadRun, StreamTally } from './stream-tally.js';

export interface StreamLoadOptions {
  baseUrl: string;
  concurrency: number;
  /** Streams are started during this window; those running at its end are completed and counted. */
  durationMs: number;
  body: () => string;
  /** Runs after the unmeasured wave, just before the window (e.g. to read CPU and simulator counters). */
  onWindowStart?: () => Promise<void>;
}

/** One unmeasured wave of `concurrency` streams, then the measured window; the pool is closed after. */
export async function runStreamLoad(options: StreamLoadOptions): Promise<StreamLoadRun> {
  const pool = new Pool(options.baseUrl, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => oneStream(pool, options.body())));
    await options.onWindowStart?.();
    const tally = new StreamTally();
    const end = Date.now() + options.durationMs;
    const slot = async (): Promise<void> => {
      while (Date.now() < end) tally.add(await oneStream(pool, options.body()));
    };
    await Promise.all(Array.from({ length: options.concurrency }, slot));
    return tally.result(options.concurrency);
  } finally {
    await pool.destroy();
  }
}

export interface HoldStreamsOptions {
  baseUrl: string;
  /** Streams to open at once. */
  count: number;
  body: () => string;
  /** Longest wait for the streams to show their first `data:` bytes. */
  timeoutMs: number;
}

/**
 * Opens `count` streams at once and holds them: resolves when each has shown its first `data:` bytes
 * (or failed, or `timeoutMs` passed). `close()` aborts them all.
 */
export async function holdStreams(
  options: HoldStreamsOptions,
): Promise<{ opened: number; failed: number; failures: Record<string, number>; close: () => Promise<void> }> {
  const { baseUrl, count, body, timeoutMs } = options;
  const pool = new Pool(baseUrl, { connections: count, pipelining: 1 });
  const ac = new AbortController();
  // One signal aborts every request, and each request listens on it.
  setMaxListeners(count + 10, ac.signal);
  let opened = 0;
  const failures: Record<string, number> = {};
  const fail = (reason: string): void => {
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  const holdOne = async (resolve: () => void): Promise<void> => {
    let first = true;
    try {
      const res = await pool.request({
        path: CHAT_PATH,
        method: 'POST',
        headers: CHAT_HEADERS,
        body: body(),
        signal: ac.signal,
      });
      let head = '';
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (first && chunk.includes('data:')) {
          first = false;
          opened += 1;
          resolve();
        } else if (first && head.length < 200) head += chunk.toString('utf8');
      }
      // The reason a stream never started: its status and the start of the error body.
      if (first) fail(`HTTP ${res.statusCode} ${head.slice(0, 120)}`);
    } catch (error) {
      if (first && !ac.signal.aborted)
        fail(error instanceof Error ? `${error.name}: ${error.message}` : 'error');
    } finally {
      resolve();
    }
  };
  const started = Array.from({ length: count }, () => new Promise<void>((resolve) => void holdOne(resolve)));
  const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
  await Promise.race([Promise.all(started), timer]);
  return {
    opened,
    failed: Object.values(failures).reduce((sum, n) => sum + n, 0),
    failures: { ...failures },
    close: async () => {
      ac.abort();
      await pool.destroy();
    },
  };
}
