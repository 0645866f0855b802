// One (d) run of one target: its load for the mode, with CPU and the simulator's counters around the window.
import { primeStreamCache } from '../cache-probe.js';
import { repeatedChatBody, uniqueChatBody } from '../chat-bodies.js';
import { readCpuSeconds } from '../proc-cpu.js';
import type { StreamMode, StreamSample } from '../result-types.js';
import type { Stack, TargetId } from '../stack.js';
import type { SimCounters } from '../start-sim.js';
import { runStreamLoad } from '../stream-load.js';
import type { StreamLoadRun } from '../stream-tally.js';
import { runStreamWaves } from '../stream-waves.js';

export interface StreamRunSpec {
  target: TargetId;
  mode: StreamMode;
  concurrency: number;
  rep: number;
  durationMs: number;
}

export async function measureStreams(stack: Stack, spec: StreamRunSpec): Promise<StreamSample> {
  const { target, mode, concurrency, rep, durationMs } = spec;
  const baseUrl = stack.url(target);
  const pid = stack.pid(target);
  let cpuBefore = Number.NaN;
  let simBefore: SimCounters | undefined;
  const onWindowStart = async (): Promise<void> => {
    simBefore = await stack.sim.stats();
    // Last, so the stats request above is not in the window.
    cpuBefore = readCpuSeconds(pid);
  };
  const load = { baseUrl, concurrency, durationMs, onWindowStart };
  let run: StreamLoadRun & { waves?: number };
  let cacheProbe: string | undefined;
  switch (mode) {
    case 'unique':
      // A body per stream: a cached or shared stream would be replayed by the gateway, not proxied.
      run = await runStreamLoad({ ...load, body: () => uniqueChatBody(true) });
      break;
    case 'coalesced':
      // A new body per wave: identical within the wave (coalesced), never an earlier wave's cache entry.
      run = await runStreamWaves({ ...load, body: () => uniqueChatBody(true) });
      break;
    case 'replay': {
      // Its own body per repetition, so each one primes a fresh entry with one upstream stream.
      const body = repeatedChatBody(`replay-${concurrency}-${rep}`, true);
      cacheProbe = await primeStreamCache(baseUrl, body);
      run = await runStreamLoad({ ...load, body: () => body });
      break;
    }
  }
  const cpuSeconds = readCpuSeconds(pid) - cpuBefore;
  const simAfter = await stack.sim.stats();
  return {
    target,
    rep,
    mode,
    ...run,
    cpuPerChunkUs: run.chunks > 0 ? (cpuSeconds * 1e6) / run.chunks : Number.NaN,
    cpuCores: run.windowS > 0 ? cpuSeconds / run.windowS : Number.NaN,
    upstreamStreams: simAfter.streamRequests - (simBefore?.streamRequests ?? Number.NaN),
    ...(cacheProbe === undefined ? {} : { cacheProbe }),
  };
}
