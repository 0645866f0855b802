// Shapes of the measured results (raw samples per repetition and their medians), as written to latest.json.
import type { BenchPlan } from './bench-plan.js';
import type { OpenLoopRun } from './open-loop.js';
import type { ThroughputRun } from './run-autocannon.js';
import type { TargetId } from './stack.js';
import type { StreamLoadRun } from './stream-tally.js';

/** One target in one repetition. */
export interface Sampled {
  target: TargetId;
  rep: number;
}

export interface ThroughputSample extends Sampled, ThroughputRun {
  /** CPU time of the target's own process per OK answer (the simulator's for `direct`), in µs. */
  cpuPerRequestUs: number;
  /** That process's CPU seconds per second of the run (1.0 = one core busy). */
  cpuCores: number;
}

/** Medians over repetitions; ratios are per repetition (same run, back to back), then the median. */
export interface ThroughputRow {
  target: TargetId;
  rps: number;
  vsDirect: number;
  vsProxy: number;
  p50Ms: number;
  p99Ms: number;
  cpuPerRequestUs: number;
  cpuCores: number;
  /** Sums over repetitions. */
  non2xx: number;
  errors: number;
  /** The `x-cache` header a probe request got (cache scenarios, gateway targets only). */
  cacheProbe?: string;
  /** With --accounting: this gateway's rate over its USAGE_ENABLED=false twin's (paired per repetition). */
  vsUsageOff?: number;
}

export interface ThroughputScenario {
  connections: number;
  durationS: number;
  samples: ThroughputSample[];
  rows: ThroughputRow[];
}

export interface LatencySample extends Sampled, OpenLoopRun {
  /** CPU time of the target's own process per OK answer during the measured phase, in µs. */
  cpuPerRequestUs: number;
}

export interface LatencyRow {
  target: TargetId;
  rate: number;
  /** Repetitions that could not sustain the rate; any makes the row "saturated". */
  saturatedReps: number;
  saturatedBy: string[];
  achievedRate: number;
  p50Us: number;
  p99Us: number;
  /** Target minus direct in the same repetition (NaN when either was saturated). */
  addedP50Us: number;
  addedP99Us: number;
  overProxyP50Us: number;
  overProxyP99Us: number;
  cpuPerRequestUs: number;
  non2xx: number;
  errors: number;
  /** Sends over 10 ms behind schedule (sum) and the worst (max) across repetitions. */
  lateSends: number;
  maxLateMs: number;
}

export interface LatencyScenario {
  durationS: number;
  samples: LatencySample[];
  rows: LatencyRow[];
}

/**
 * How the streams of a (d) run relate: `unique` (a body per stream, nothing shared), `coalesced` (waves of
 * identical requests, one upstream stream per wave), `replay` (one cached answer replayed to every stream).
 */
export type StreamMode = 'unique' | 'coalesced' | 'replay';

export interface StreamSample extends Sampled, StreamLoadRun {
  mode: StreamMode;
  /** CPU time of the target's own process over the window per chunk received (the simulator's for direct), in µs. */
  cpuPerChunkUs: number;
  /** That process's CPU seconds per second of the window. */
  cpuCores: number;
  /** Chat requests with `stream: true` the simulator received during the window. */
  upstreamStreams: number;
  /** Measured waves (`coalesced` only). */
  waves?: number;
  /** `x-cache` headers while the cache was primed (`replay` only), e.g. `MISS,HIT`. */
  cacheProbe?: string;
}

export interface StreamRow {
  target: TargetId;
  mode: StreamMode;
  concurrency: number;
  streams: number;
  failed: number;
  ttfcP50Us: number;
  ttfcP99Us: number;
  totalP50Us: number;
  totalP99Us: number;
  addedTtfcP50Us: number;
  /** Median stream time over direct's (per repetition). */
  totalVsDirect: number;
  overProxyTtfcP50Us: number;
  totalVsProxy: number;
  /** TTFC p50 over the relay floor's and total time over its, per repetition (NaN where no floor ran). */
  overFloorTtfcP50Us: number;
  totalVsFloor: number;
  cpuPerChunkUs: number;
  /** CPU per chunk over the thin proxy's (per repetition). */
  cpuPerChunkVsProxy: number;
  /** Sums over repetitions. */
  chunks: number;
  upstreamStreams: number;
  /** Chunks over streams: a relayed stream has the simulator's count, a replayed answer its own. */
  chunksPerStream: number;
  waves: number;
  /** Priming answers of each repetition (`replay` only). */
  cacheProbes: string[];
}

export interface StreamScenario {
  chunks: number;
  chunkDelayMs: number;
  windowS: number;
  /** The concurrency at which the `coalesced` and `replay` runs were added. */
  sharedConcurrency: number;
  samples: StreamSample[];
  rows: StreamRow[];
}

export interface MemoryScenario {
  idleRssMb: number;
  held: {
    requested: number;
    opened: number;
    failed: number;
    /** Why streams failed to start (status and body start, or the error), with counts. */
    failures: Record<string, number>;
    rssMb: number;
    /** Upstream responses still open 5 s after the clients left (a leak if not 0). */
    upstreamStillOpen: number;
  };
  growth: {
    /** OK answers in each phase (fewer than planned when a phase hit its time cap). */
    warmupRequests: number;
    requests: number;
    plannedRequests: number;
    /** The last requests of each phase over which RSS was sampled (each reading is their median). */
    windowRequests: number;
    rssAfterWarmupMb: number;
    rssAfterMb: number;
    growthPct: number;
    /** The gateway's V8 heap (total reserved) at the same two readings, in MiB; NaN when unknown. */
    heapAfterWarmupMb: number;
    heapAfterMb: number;
    rps: number;
    non2xx: number;
    errors: number;
  };
}

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemMb: number;
  loadAverage: number[];
  gitCommit: string;
}

/** One line of the targets table. */
export interface GoalResult {
  scenario: string;
  goal: string;
  measured: string;
  /** `yes`, `no`, `saturated`, or `n/a` (scenario not run / not measurable). */
  met: 'yes' | 'no' | 'saturated' | 'n/a';
  /** Errors or non-2xx answers in the measurements behind this line. */
  flag?: string;
}

export interface BenchResults {
  machine: MachineInfo;
  plan: Omit<BenchPlan, 'only'> & { only: string[] };
  /** Settings every bench gateway ran with (besides its port, upstream URL and key). */
  gatewaySettings: Record<string, string>;
  elapsedS: number;
  cacheMiss?: ThroughputScenario;
  latency?: LatencyScenario;
  cacheHit?: ThroughputScenario;
  streaming?: StreamScenario;
  memory?: MemoryScenario;
  goals: GoalResult[];
}
