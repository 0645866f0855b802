// Closed-loop maximum throughput with autocannon: N connections, each sends its next request on answer.
import autocannon from 'autocannon';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';

export interface ThroughputRun {
  /** 2xx answers per second over the run. */
  rps: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** autocannon's latency percentiles (whole milliseconds: coarse, see open-loop.ts for fine ones). */
  p50Ms: number;
  p99Ms: number;
  durationS: number;
}

export interface ThroughputOptions {
  baseUrl: string;
  connections: number;
  /** Either a duration in seconds … */
  durationS?: number;
  /** … or a number of requests, … */
  amount?: number;
  /** … stopped after this many seconds if not done by then (keeps the whole run bounded in time). */
  maxDurationS?: number;
  /** Called for every request: a fresh body (cache misses) or the same one (cache hits). */
  body: () => string;
}

export async function runThroughput(options: ThroughputOptions): Promise<ThroughputRun> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${options.baseUrl}${CHAT_PATH}`,
        connections: options.connections,
        pipelining: 1,
        ...(options.amount === undefined
          ? { duration: options.durationS ?? 10 }
          : { amount: options.amount }),
        timeout: 10,
        method: 'POST',
        headers: { ...CHAT_HEADERS },
        requests: [
          {
            method: 'POST',
            path: CHAT_PATH,
            setupRequest: (request) => ({ ...request, body: options.body() }),
          },
        ],
      },
      (error: unknown, done: autocannon.Result) => {
        clearTimeout(cap);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(done);
      },
    );
    const cap = setTimeout(() => instance.stop(), (options.maxDurationS ?? 3600) * 1000);
  });
  const ok = result['2xx'];
  return {
    rps: result.duration > 0 ? ok / result.duration : 0,
    ok,
    non2xx: result.non2xx,
    errors: result.errors, // autocannon counts timeouts among errors
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    durationS: result.duration,
  };
}
