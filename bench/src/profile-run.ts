// --profile: scenario (a) against a gateway started with --cpu-prof, then its top functions by self time.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchPlan } from './bench-plan.js';
import { uniqueChatBody } from './chat-bodies.js';
import { formatProfile, summarizeProfile } from './cpu-profile.js';
import { say } from './log.js';
import { PROFILES_DIR } from './paths.js';
import { readCpuSeconds } from './proc-cpu.js';
import { runThroughput } from './run-autocannon.js';
import { startGateway } from './start-gateway.js';
import { startSim } from './start-sim.js';

function newestProfile(since: number): string | undefined {
  const files = readdirSync(PROFILES_DIR)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(PROFILES_DIR, name))
    .filter((file) => statSync(file).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0];
}

export async function runProfile(plan: BenchPlan, logDir: string): Promise<void> {
  mkdirSync(PROFILES_DIR, { recursive: true });
  const started = Date.now();
  const sim = await startSim(logDir);
  try {
    const gateway = await startGateway({
      name: 'gateway-profiled',
      upstreamUrl: sim.url,
      logDir,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILES_DIR}`],
    });
    try {
      const body = () => uniqueChatBody(false);
      await runThroughput({
        baseUrl: gateway.url,
        connections: plan.connections,
        durationS: plan.warmupS * 2,
        body,
      });
      const cpuBefore = readCpuSeconds(gateway.service.pid);
      const run = await runThroughput({
        baseUrl: gateway.url,
        connections: plan.connections,
        durationS: plan.cacheMissS,
        body,
      });
      const cpuSeconds = readCpuSeconds(gateway.service.pid) - cpuBefore;
      say(
        `profiled (a) cache-miss run: ${run.rps.toFixed(0)} req/s, ${run.errors} errors, ${run.non2xx} non-2xx; ` +
          `gateway CPU ${((cpuSeconds * 1e6) / Math.max(1, run.ok)).toFixed(0)} µs/request ` +
          `(${(cpuSeconds / run.durationS).toFixed(2)} cores busy; the profiler adds some)`,
      );
    } finally {
      // SIGTERM: the gateway closes and exits normally, which is when node writes the profile.
      await gateway.service.stop();
    }
  } finally {
    await sim.service.stop();
  }
  const file = newestProfile(started);
  if (file === undefined) throw new Error(`no .cpuprofile written to ${PROFILES_DIR}`);
  const text = formatProfile(summarizeProfile(file, 25));
  writeFileSync(file.replace(/\.cpuprofile$/, '.top.txt'), `${text}\n`);
  process.stdout.write(`\n${file}\n(load it in Chrome DevTools › Performance, or VS Code)\n\n${text}\n`);
}
