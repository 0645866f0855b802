// Waves of N identical streams sent at once, a new body per wave: what a coalescing gateway folds into one.
import { Pool } from 'undici';
import { oneStream } from './one-stream.js';
import { type StreamLoadRun, StreamTally } from './stream-tally.js';

export interface StreamWavesOptions {
  baseUrl: string;
  concurrency: number;
  /** Waves start until this window has passed (at least one); the last one is completed and counted. */
  durationMs: number;
  /** Called once per wave: every stream of the wave sends this body. */
  body: () => string;
  /** Runs after the unmeasured wave, just before the window. */
  onWindowStart?: () => Promise<void>;
}

export interface StreamWavesRun extends StreamLoadRun {
  /** Measured waves: one upstream stream each when the gateway coalesces. */
  waves: number;
}

/**
 * One unmeasured wave, then waves back to back. A closed loop would not do: its streams start at
 * scattered times, and after the first answer is cached the rest would be cache hits, not followers.
 */
export async function runStreamWaves(options: StreamWavesOptions): Promise<StreamWavesRun> {
  const pool = new Pool(options.baseUrl, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const wave = (body: string) =>
    Promise.all(Array.from({ length: options.concurrency }, () => oneStream(pool, body)));
  try {
    // Also opens the pool's connections, so a measured wave's requests all leave at once.
    await wave(options.body());
    await options.onWindowStart?.();
    const tally = new StreamTally();
    const end = Date.now() + options.durationMs;
    let waves = 0;
    do {
      for (const result of await wave(options.body())) tally.add(result);
      waves += 1;
    } while (Date.now() < end);
    return { ...tally.result(options.concurrency), waves };
  } finally {
    await pool.destroy();
  }
}
