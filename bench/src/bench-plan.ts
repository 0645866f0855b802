// What to run and for how long: defaults, BENCH_QUICK=1 / --quick, --only a,b, --reps N, --profile, --accounting.
import { parseArgs } from 'node:util';

export const SCENARIOS = ['a', 'b', 'c', 'd', 'e'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface BenchPlan {
  quick: boolean;
  profile: boolean;
  /** (a) also measures each gateway with USAGE_ENABLED=false, interleaved with its usage-on twin. */
  accounting: boolean;
  reps: number;
  only: ReadonlySet<ScenarioId>;
  /** Base name of the result files in bench/results/ (`latest` for a full run). */
  outName: string;
  /** (a), (c): autocannon connections, measured seconds, unmeasured lead-in seconds. */
  connections: number;
  cacheMissS: number;
  cacheHitS: number;
  warmupS: number;
  /** (b): open-loop rates, measured seconds and lead-in seconds per run. */
  rates: readonly number[];
  latencyS: number;
  latencyWarmupS: number;
  /** (d): concurrent streams, measured window, simulator chunking. */
  streamConcurrency: readonly number[];
  streamWindowS: number;
  streamChunks: number;
  streamChunkDelayMs: number;
  /** (d): the concurrency that also runs the gateway's coalesced and cached-replay streams. */
  sharedStreamConcurrency: number;
  /** (e): streams held open at once, and the request counts of the RSS growth check. */
  heldStreams: number;
  growthWarmupRequests: number;
  growthRequests: number;
  /** The last requests of each phase, during which RSS is sampled (its median is the phase's reading). */
  growthWindowRequests: number;
  /** Upper bound of each growth phase in seconds (a slow gateway must not stretch the run without end). */
  growthMaxS: number;
}

const FULL = {
  reps: 3,
  connections: 50,
  cacheMissS: 10,
  cacheHitS: 6,
  warmupS: 1,
  rates: [500, 1500],
  latencyS: 7,
  latencyWarmupS: 1,
  streamConcurrency: [100, 500],
  streamWindowS: 4,
  streamChunks: 30,
  streamChunkDelayMs: 10,
  sharedStreamConcurrency: 500,
  heldStreams: 1000,
  // Far above the in-memory cache's 10,000-entry bound: the cache is full by 10,000 requests, and V8's
  // heap reaches its working size later (session 7, 50 connections: heap total 113 MB at 12,000
  // requests, 165 MB at 37,000, then 155–164 MB up to 212,000). Growth is measured from there, so it
  // shows a leak, not the heap sizing up.
  growthWarmupRequests: 50_000,
  growthRequests: 100_000,
  growthWindowRequests: 10_000,
  growthMaxS: 180,
};

const QUICK: typeof FULL = {
  ...FULL,
  reps: 1,
  cacheMissS: 3,
  cacheHitS: 2,
  warmupS: 0.5,
  latencyS: 2,
  latencyWarmupS: 0.5,
  streamWindowS: 1.5,
  growthWarmupRequests: 2_000,
  growthRequests: 10_000,
  growthWindowRequests: 1_000,
  growthMaxS: 30,
};

export const PLAN_USAGE =
  'usage: pnpm bench [--quick] [--only a,b,c,d,e] [--reps N] [--out NAME] [--profile] [--accounting]\n' +
  '  env: BENCH_QUICK=1, BENCH_ONLY=a,b, BENCH_REPS=N, BENCH_PROFILE=1, BENCH_ACCOUNTING=1';

const truthy = (value: string | undefined): boolean =>
  value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());

/** Reads flags (which win) and BENCH_* variables; throws with a readable message when invalid. */
export function readPlan(argv: readonly string[], env: NodeJS.ProcessEnv): BenchPlan {
  const { values } = parseArgs({
    args: [...argv].filter((arg) => arg !== '--'),
    strict: true,
    options: {
      quick: { type: 'boolean' },
      profile: { type: 'boolean' },
      accounting: { type: 'boolean' },
      only: { type: 'string' },
      reps: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) throw new Error(PLAN_USAGE);
  const quick = values.quick === true || truthy(env.BENCH_QUICK);
  const base = quick ? QUICK : FULL;
  const onlyText = values.only ?? env.BENCH_ONLY;
  const only = new Set<ScenarioId>();
  for (const part of (onlyText ?? SCENARIOS.join(',')).split(',')) {
    const id = part.trim().toLowerCase();
    if (id === '') continue;
    if (!(SCENARIOS as readonly string[]).includes(id))
      throw new Error(`unknown scenario "${id}"\n${PLAN_USAGE}`);
    only.add(id as ScenarioId);
  }
  const repsText = values.reps ?? env.BENCH_REPS;
  const reps = repsText === undefined ? base.reps : Number(repsText);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20)
    throw new Error(`--reps must be 1–20, got "${repsText}"`);
  const full = !quick && only.size === SCENARIOS.length;
  return {
    ...base,
    quick,
    profile: values.profile === true || truthy(env.BENCH_PROFILE),
    accounting: values.accounting === true || truthy(env.BENCH_ACCOUNTING),
    reps,
    only,
    // A smoke or partial run must not overwrite the full run's table.
    outName: values.out ?? (full ? 'latest' : quick ? 'quick' : 'partial'),
  };
}
