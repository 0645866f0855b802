// Open-loop load: a fixed arrival rate, requests spaced evenly by a timer loop, each timed in microseconds.
import { Pool } from 'undici';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';
import { type LatencySummary, summarize } from './percentiles.js';
import { sleep } from './sleep.js';

export interface OpenLoopOptions {
  baseUrl: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Unmeasured lead-in at the same rate on the same connections (JIT, keep-alive sockets). */
  warmupMs: number;
  body: () => string;
  /** Pool size; also the in-flight bound beyond which requests are queueing (default 256). */
  connections?: number;
  /** Called when the measured phase starts (after the warm-up), e.g. to read the target's CPU time. */
  onMeasureStart?: () => void;
}

export interface OpenLoopRun {
  rate: number;
  /** OK answers that arrived within the send window plus one second, per second of window. */
  achievedRate: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  maxInFlight: number;
  /** Sends more than LATE_US behind their scheduled time (the client itself could not keep up). */
  lateSends: number;
  /** The latest any send left, behind its scheduled time, in milliseconds. */
  maxLateMs: number;
  /** Latency of OK answers, request start to last body byte, in microseconds. */
  latencyUs: LatencySummary;
  /** Why the rate was not sustained; empty when it was. */
  saturatedBy: string[];
}

// Late beyond one scheduler slice: with several busy processes on few cores, the load generator can be
// descheduled for a few milliseconds now and then without the target being at fault.
const LATE_US = 10_000;
const MAX_LATE_FRACTION = 0.01;
const MIN_ACHIEVED = 0.95;
const COMPLETION_GRACE_MS = 1_000;
const DRAIN_TIMEOUT_MS = 5_000;

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRun> {
  const connections = options.connections ?? 256;
  const pool = new Pool(options.baseUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    if (options.warmupMs > 0) {
      await phase(pool, options, { durationMs: options.warmupMs, inFlightBound: connections });
    }
    options.onMeasureStart?.();
    return await phase(pool, options, { durationMs: options.durationMs, inFlightBound: connections });
  } finally {
    await pool.destroy();
  }
}

/** One timed phase of a run (the warm-up or the measured one). */
interface PhaseSpec {
  durationMs: number;
  /** In-flight requests beyond which they are queueing (the pool size). */
  inFlightBound: number;
}

async function phase(
  pool: Pool,
  options: OpenLoopOptions,
  { durationMs, inFlightBound }: PhaseSpec,
): Promise<OpenLoopRun> {
  const total = Math.max(1, Math.round((options.rate * durationMs) / 1000));
  const intervalNs = 1e9 / options.rate;
  const windowNs = total * intervalNs;
  const latencies = new Float64Array(total);
  let recorded = 0;
  let sent = 0;
  let ok = 0;
  let okInTime = 0;
  let non2xx = 0;
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lateSends = 0;
  let maxLateNs = 0;
  // A hard stop far beyond the bound: a target this far behind only grows a backlog and our memory.
  const hardCap = inFlightBound * 4;
  let abandoned = false;
  const start = process.hrtime.bigint() + 2_000_000n;

  const fire = (): void => {
    inFlight += 1;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    const t0 = process.hrtime.bigint();
    pool
      .request({ path: CHAT_PATH, method: 'POST', headers: CHAT_HEADERS, body: options.body() })
      .then(async (res) => {
        // Drain the whole body: latency ends at the last byte, like a real client's.
        for await (const _ of res.body) {
        }
        const t1 = process.hrtime.bigint();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          ok += 1;
          if (Number(t1 - start) <= windowNs + COMPLETION_GRACE_MS * 1e6) okInTime += 1;
          latencies[recorded++] = Number(t1 - t0) / 1000;
        } else non2xx += 1;
      })
      .catch(() => {
        errors += 1;
      })
      .finally(() => {
        inFlight -= 1;
      });
  };

  // The timer loop: every tick sends whatever is due. setTimeout(1) ticks about once a millisecond,
  // so at 1,500 req/s each tick sends one or two requests, never a second's worth at once.
  while (sent < total && !abandoned) {
    const elapsedNs = Number(process.hrtime.bigint() - start);
    if (elapsedNs >= 0) {
      const due = Math.min(total, Math.floor(elapsedNs / intervalNs) + 1);
      while (sent < due) {
        const lateNs = elapsedNs - sent * intervalNs;
        if (lateNs > maxLateNs) maxLateNs = lateNs;
        if (lateNs > LATE_US * 1000) lateSends += 1;
        sent += 1;
        fire();
        if (inFlight > hardCap) abandoned = true;
      }
    }
    await sleep(1);
  }
  const drainUntil = Date.now() + DRAIN_TIMEOUT_MS;
  while (inFlight > 0 && Date.now() < drainUntil) await sleep(5);

  const windowS = windowNs / 1e9;
  const achievedRate = okInTime / windowS;
  const saturatedBy: string[] = [];
  if (abandoned) saturatedBy.push(`abandoned: over ${hardCap} requests in flight`);
  if (achievedRate < MIN_ACHIEVED * options.rate) {
    saturatedBy.push(`achieved ${achievedRate.toFixed(0)}/s < 95% of ${options.rate}/s`);
  }
  if (maxInFlight > inFlightBound) {
    saturatedBy.push(`${maxInFlight} in flight (bound ${inFlightBound}): requests piled up`);
  }
  if (lateSends > MAX_LATE_FRACTION * total) {
    saturatedBy.push(`${lateSends} sends over ${LATE_US / 1000} ms late (load generator behind)`);
  }
  if (inFlight > 0)
    saturatedBy.push(`${inFlight} requests unanswered ${DRAIN_TIMEOUT_MS} ms after the last send`);
  return {
    rate: options.rate,
    achievedRate,
    sent,
    ok,
    non2xx,
    errors,
    maxInFlight,
    lateSends,
    maxLateMs: maxLateNs / 1e6,
    latencyUs: summarize(latencies.subarray(0, recorded)),
    saturatedBy,
  };
}
