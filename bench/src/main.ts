// The bench entry point: read the plan, start the processes, run the scenarios, write the results.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchPlan, readPlan, type ScenarioId } from './bench-plan.js';
import { installExitHooks, stopAllChildren } from './child-registry.js';
import { evaluateGoals } from './goals.js';
import { say } from './log.js';
import { machineInfo } from './machine-info.js';
import { GATEWAY_MAIN, SIM_CLI } from './paths.js';
import { runProfile } from './profile-run.js';
import type { BenchResults } from './result-types.js';
import { runLatencyScenario } from './scenarios/latency-scenario.js';
import { runMemoryScenario } from './scenarios/memory-scenario.js';
import { runStreamingScenario } from './scenarios/streaming-scenario.js';
import { runThroughputScenario } from './scenarios/throughput-scenario.js';
import { startStack } from './stack.js';
import { gatewaySettings } from './start-gateway.js';
import { writeResults } from './write-results.js';

async function runBench(plan: BenchPlan, logDir: string): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  const has = (id: ScenarioId): boolean => plan.only.has(id);
  say(
    `bench: scenarios ${[...plan.only].join(',')}, ${plan.reps} repetition(s)${plan.quick ? ', QUICK' : ''}; ` +
      `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
  );
  const stack = await startStack(
    {
      proxy: has('a') || has('b') || has('c') || has('d'),
      floor: has('d'),
      gateway: has('a') || has('b') || has('c') || has('d'),
      gatewayRedis: has('a') || has('c'),
      accountingTwins: plan.accounting && has('a'),
    },
    logDir,
  );
  const measured: Omit<BenchResults, 'goals' | 'elapsedS'> = {
    machine,
    plan: { ...plan, only: [...plan.only] },
    gatewaySettings: gatewaySettings(),
  };
  try {
    if (has('a')) measured.cacheMiss = await runThroughputScenario(plan, stack, 'miss');
    if (has('b')) measured.latency = await runLatencyScenario(plan, stack);
    if (has('c')) measured.cacheHit = await runThroughputScenario(plan, stack, 'hit');
    if (has('d')) measured.streaming = await runStreamingScenario(plan, stack);
    if (has('e')) measured.memory = await runMemoryScenario(plan, stack);
  } finally {
    await stack.stop();
  }
  const elapsedS = (Date.now() - started) / 1000;
  const goals = evaluateGoals({ ...measured, elapsedS }, plan.streamConcurrency, plan.heldStreams);
  const written = writeResults({ ...measured, elapsedS, goals });
  process.stdout.write(`\n${written.text}\n`);
  say(`wrote ${written.markdown} and ${written.json}`);
}

async function main(): Promise<void> {
  let plan: BenchPlan;
  try {
    plan = readPlan(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  for (const file of [SIM_CLI, GATEWAY_MAIN]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: build first (pnpm bench builds, or turbo run build)`);
  }
  installExitHooks();
  // Child logs (the gateway writes a line per request) go to a scratch folder, removed after a successful
  // run and kept (path printed) after a failure or an interruption, when they explain what went wrong.
  const logDir = mkdtempSync(join(tmpdir(), 'llm-gateway-bench-'));
  process.once('exit', (code) => {
    if (code === 0) rmSync(logDir, { recursive: true, force: true });
    else process.stderr.write(`bench: child logs kept in ${logDir}\n`);
  });
  try {
    if (plan.profile) await runProfile(plan, logDir);
    else await runBench(plan, logDir);
  } finally {
    await stopAllChildren();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
