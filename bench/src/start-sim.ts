// The upstream simulator in its own process, and its /__sim/* control endpoints.
import { request } from 'undici';
import { SIM_CLI } from './paths.js';
import { type Service, spawnService } from './spawn-service.js';

/** Reply settings the bench changes at run time (a subset of upstream-sim's SimReply). */
export interface SimReplyPatch {
  content?: string;
  chunks?: number;
  chunkDelayMs?: number;
  latencyMs?: number;
}

/** The simulator's counters (`GET /__sim/stats`, upstream-sim's SimStats); the bench reads these. */
export interface SimCounters {
  /** Chat requests with `stream: true` since the simulator started. */
  streamRequests: number;
  /** Every `POST /v1/chat/completions`. */
  chatRequests: number;
  /** Responses being sent right now. */
  active: number;
}

export interface SimProcess {
  service: Service;
  /** `http://127.0.0.1:PORT` */
  url: string;
  configure(patch: SimReplyPatch): Promise<void>;
  stats(): Promise<SimCounters>;
  /** Responses the simulator is sending right now (`stats.active`). */
  activeResponses(): Promise<number>;
}

/** A ~600-character answer: a realistic non-stream body (~1 KB) and enough text for 50 stream chunks. */
export const SIM_CONTENT =
  'Benchmark answer. '.repeat(4) +
  'A gateway adds routing, caching, retries and logging on top of the upstream; this text only has to ' +
  'be long enough to be split into many stream chunks and to give the non-streamed body a realistic size. '.repeat(
    3,
  );

/** Reply settings for every non-stream scenario: no delays, default chunking. */
export const SIM_DEFAULTS: SimReplyPatch = { content: SIM_CONTENT, chunks: 5, chunkDelayMs: 0, latencyMs: 0 };

export async function startSim(logDir: string): Promise<SimProcess> {
  const service = await spawnService({
    name: 'upstream-sim',
    command: process.execPath,
    args: [SIM_CLI, '--host', '127.0.0.1', '--port', '0', '--no-record'],
    env: { PATH: process.env.PATH ?? '' },
    ready: /upstream-sim listening on (http:\/\/127\.0\.0\.1:\d+)/,
    logDir,
  });
  const url = service.match[1] ?? '';
  const sim: SimProcess = {
    service,
    url,
    async configure(patch) {
      const res = await request(`${url}/__sim/configure`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      });
      await res.body.dump();
      if (res.statusCode !== 204) throw new Error(`sim configure answered ${res.statusCode}`);
    },
    async stats() {
      const res = await request(`${url}/__sim/stats`);
      const stats = (await res.body.json()) as Record<string, unknown>;
      const counter = (name: keyof SimCounters): number => {
        const value = stats[name];
        return typeof value === 'number' ? value : Number.NaN;
      };
      return {
        streamRequests: counter('streamRequests'),
        chatRequests: counter('chatRequests'),
        active: counter('active'),
      };
    },
    async activeResponses() {
      return (await sim.stats()).active;
    },
  };
  await sim.configure(SIM_DEFAULTS);
  return sim;
}
