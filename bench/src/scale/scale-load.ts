// Open-loop load through the load balancer: evenly spaced sends, a share of them streams, each answer sorted
// into admitted / refused (429) / failed (5xx, network, a stream without its [DONE]).
import { Pool } from 'undici';
import { CHAT_HEADERS, CHAT_PATH, uniqueChatBody } from '../chat-bodies.js';
import { type LatencySummary, summarize } from '../percentiles.js';
import { sleep } from '../sleep.js';

export interface ScaleLoadOptions {
  baseUrl: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Every n-th request is a stream (0: none). */
  streamEvery: number;
}

/** What one kind of request (JSON or stream) got. */
export interface KindTally {
  sent: number;
  admitted: number;
  refused: number;
  failed: number;
  /** Failures by cause: `503`, `network`, `no [DONE]`, … */
  failures: Record<string, number>;
  /** Admitted answers, request start to last byte, µs. */
  latencyUs: LatencySummary;
  /** Admitted answers, request start to the first body bytes, µs (for streams: the first event). */
  firstByteUs: LatencySummary;
  /** Refused answers, µs: a 429 costs the caller this long. */
  refusedUs: LatencySummary;
}

export interface ScaleLoadRun {
  json: KindTally;
  stream: KindTally;
  /** The longest a send left behind its schedule, ms (the load generator itself falling behind). */
  maxLateMs: number;
  /** Requests still unanswered when the run gave up waiting. */
  unanswered: number;
  elapsedMs: number;
}

const DRAIN_TIMEOUT_MS = 15_000;
const DONE = 'data: [DONE]';

interface Samples {
  sent: number;
  admitted: number[];
  firstByte: number[];
  refused: number[];
  failures: Record<string, number>;
}

const emptySamples = (): Samples => ({ sent: 0, admitted: [], firstByte: [], refused: [], failures: {} });

function tally(samples: Samples): KindTally {
  const failed = Object.values(samples.failures).reduce((a, b) => a + b, 0);
  return {
    sent: samples.sent,
    admitted: samples.admitted.length,
    refused: samples.refused.length,
    failed,
    failures: samples.failures,
    latencyUs: summarize(samples.admitted),
    firstByteUs: summarize(samples.firstByte),
    refusedUs: summarize(samples.refused),
  };
}

const sinceUs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1000;

/** One request; its outcome goes into `samples`. */
async function one(pool: Pool, stream: boolean, samples: Samples): Promise<void> {
  const t0 = process.hrtime.bigint();
  samples.sent += 1;
  const fail = (cause: string) => {
    samples.failures[cause] = (samples.failures[cause] ?? 0) + 1;
  };
  try {
    const res = await pool.request({
      path: CHAT_PATH,
      method: 'POST',
      headers: CHAT_HEADERS,
      body: uniqueChatBody(stream),
    });
    let firstUs = Number.NaN;
    let tail = '';
    for await (const chunk of res.body) {
      if (Number.isNaN(firstUs)) firstUs = sinceUs(t0);
      // Only the end matters: whether the stream closed with its [DONE] event.
      tail = (tail + (chunk as Buffer).toString('utf8')).slice(-64);
    }
    const totalUs = sinceUs(t0);
    if (res.statusCode === 429) samples.refused.push(totalUs);
    else if (res.statusCode < 200 || res.statusCode >= 300) fail(String(res.statusCode));
    else if (stream && !tail.includes(DONE)) fail('stream without [DONE]');
    else {
      samples.admitted.push(totalUs);
      samples.firstByte.push(firstUs);
    }
  } catch (error) {
    fail(`network (${error instanceof Error ? error.name : 'error'})`);
  }
}

/** Sends `rate` requests a second for `durationMs`, then waits for the answers still open. */
export async function runScaleLoad(options: ScaleLoadOptions): Promise<ScaleLoadRun> {
  const pool = new Pool(options.baseUrl, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  const json = emptySamples();
  const stream = emptySamples();
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const intervalNs = 1e9 / options.rate;
  const open = new Set<Promise<void>>();
  let sent = 0;
  let maxLateNs = 0;
  const start = process.hrtime.bigint();
  try {
    while (sent < total) {
      const elapsedNs = Number(process.hrtime.bigint() - start);
      const due = Math.min(total, Math.floor(elapsedNs / intervalNs) + 1);
      while (sent < due) {
        maxLateNs = Math.max(maxLateNs, elapsedNs - sent * intervalNs);
        sent += 1;
        const isStream = options.streamEvery > 0 && sent % options.streamEvery === 0;
        const p = one(pool, isStream, isStream ? stream : json);
        open.add(p);
        p.finally(() => open.delete(p));
      }
      await sleep(1);
    }
    const drainUntil = Date.now() + DRAIN_TIMEOUT_MS;
    while (open.size > 0 && Date.now() < drainUntil) await sleep(10);
    return {
      json: tally(json),
      stream: tally(stream),
      maxLateMs: maxLateNs / 1e6,
      unanswered: open.size,
      elapsedMs: Number(process.hrtime.bigint() - start) / 1e6,
    };
  } finally {
    await pool.destroy();
  }
}
