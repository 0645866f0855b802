// `pnpm scale-test`: Redis, the upstream simulator, 3 built gateways and HAProxy (deploy/haproxy/haproxy.cfg)
// on loopback; a bounded open-loop load through the load balancer; admitted / refused / failed / latency and
// the per-instance split. Every child is stopped by PID at the end. Not part of CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installExitHooks, stopAllChildren } from '../child-registry.js';
import { say } from '../log.js';
import { machineInfo } from '../machine-info.js';
import { GATEWAY_MAIN, RESULTS_DIR, SIM_CLI } from '../paths.js';
import { sleep } from '../sleep.js';
import { startRedis } from '../start-redis.js';
import { SIM_CONTENT, startSim } from '../start-sim.js';
import { type ServerStats, serverStats, statsDelta } from './haproxy-stats.js';
import { RESTART_MODES, restartDuringLoad } from './rolling-restart.js';
import { runScaleLoad } from './scale-load.js';
import { renderScaleReport } from './scale-report.js';
import { haproxyMissing, haproxyVersion, startHaproxy } from './start-haproxy.js';
import { instanceSettings, startInstances } from './start-instances.js';

const INSTANCES = 3; // deploy/haproxy/haproxy.cfg has three server lines
const BACKEND = 'gateways';
const UP_TIMEOUT_MS = 15_000;

function readOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '30' },
      rate: { type: 'string', default: '100' },
      limit: { type: 'string', default: '1200' },
      'stream-every': { type: 'string', default: '5' },
      restart: { type: 'string', default: 'none' },
    },
  });
  const number = (name: keyof typeof values, min: number, max: number): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name}: an integer from ${min} to ${max}`);
    return n;
  };
  const restart = RESTART_MODES.find((mode) => mode === values.restart);
  if (restart === undefined) throw new Error(`--restart: one of ${RESTART_MODES.join(', ')}`);
  // Bounded: at most 2 minutes at 500 req/s, whatever is asked.
  return {
    restart,
    durationS: number('duration', 1, 120),
    rate: number('rate', 1, 500),
    limitPerMinute: number('limit', 1, 1_000_000),
    streamEvery: number('stream-every', 0, 1000),
  };
}

/** Why this machine cannot run the test (a missing program or build), if it cannot. */
function missingPrerequisite(): string | undefined {
  const haproxy = haproxyMissing();
  if (haproxy) return haproxy;
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return 'redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install -y redis-server)';
  for (const file of [SIM_CLI, GATEWAY_MAIN]) {
    if (!existsSync(file)) return `${file} is missing: build first (pnpm scale-test builds)`;
  }
  return undefined;
}

/** Until HAProxy's checks (GET /health/ready) have marked every instance UP. */
async function waitAllUp(statsUrl: string): Promise<ServerStats[]> {
  const deadline = Date.now() + UP_TIMEOUT_MS;
  for (;;) {
    const servers = await serverStats(statsUrl, BACKEND);
    if (servers.length === INSTANCES && servers.every((s) => s.status === 'UP')) return servers;
    if (Date.now() > deadline)
      throw new Error(
        `instances not UP after ${UP_TIMEOUT_MS} ms: ${servers.map((s) => `${s.name} ${s.status}`)}`,
      );
    await sleep(200);
  }
}

async function run(logDir: string): Promise<void> {
  const options = readOptions();
  const redis = await startRedis(logDir);
  const sim = await startSim(logDir);
  await sim.configure({ content: SIM_CONTENT, chunks: 20, chunkDelayMs: 10, latencyMs: 20 });
  const instanceOptions = {
    count: INSTANCES,
    upstreamUrl: sim.url,
    redisUrl: redis.url,
    limitPerMinute: options.limitPerMinute,
    logDir,
  };
  const instances = await startInstances(instanceOptions);
  say(`${instances.map((i) => `${i.name} ${i.address}`).join(', ')}; redis ${redis.url}; sim ${sim.url}`);
  const lb = await startHaproxy(
    instances.map((i) => i.address),
    logDir,
  );
  const before = await waitAllUp(lb.statsUrl);
  say(
    `haproxy ${lb.url} (stats ${lb.statsUrl}): ${INSTANCES} instances UP; ${options.rate} req/s for ${options.durationS} s`,
  );
  const middle = instances[1];
  const restarting =
    options.restart === 'none' || middle === undefined
      ? undefined
      : restartDuringLoad({
          mode: options.restart,
          lb,
          instance: middle,
          options: instanceOptions,
          atMs: (options.durationS * 1000) / 3,
        });
  // Awaited after the load; handled now so a failed restart does not crash the run before that.
  restarting?.catch(() => undefined);
  const load = await runScaleLoad({
    baseUrl: lb.url,
    rate: options.rate,
    durationMs: options.durationS * 1000,
    streamEvery: options.streamEvery,
  });
  const restart = (await restarting)?.result;
  const servers = statsDelta(before, await serverStats(lb.statsUrl, BACKEND));
  const args = process.argv.slice(2).join(' ');
  const text = renderScaleReport({
    command: `pnpm scale-test${args ? ` ${args}` : ''}`,
    machine: machineInfo(),
    haproxy: haproxyVersion(),
    rate: options.rate,
    durationS: options.durationS,
    limitPerMinute: options.limitPerMinute,
    streamEvery: options.streamEvery,
    settings: instanceSettings(instanceOptions),
    run: load,
    servers,
    ...(restart ? { restart } : {}),
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'scale.md');
  writeFileSync(file, text);
  process.stdout.write(`\n${text}\n`);
  say(`wrote ${file}`);
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) {
    process.stderr.write(`scale-test needs: ${missing}\n`);
    process.exitCode = 2;
    return;
  }
  installExitHooks();
  const logDir = mkdtempSync(join(tmpdir(), 'llm-gateway-scale-'));
  process.once('exit', (code) => {
    if (code === 0) rmSync(logDir, { recursive: true, force: true });
    else process.stderr.write(`scale-test: child logs kept in ${logDir}\n`);
  });
  try {
    await run(logDir);
  } finally {
    await stopAllChildren();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `scale-test failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
