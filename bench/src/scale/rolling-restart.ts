// One instance restarted in the middle of the load, as a rolling update does: drained first at the load
// balancer (what Kubernetes' endpoint removal + preStop give), or stopped plainly (a bare SIGTERM).
import { sleep } from '../sleep.js';
import { serverStats } from './haproxy-stats.js';
import type { HaproxyProcess } from './start-haproxy.js';
import { type Instance, type InstancesOptions, startInstance } from './start-instances.js';

export const RESTART_MODES = ['none', 'drain', 'plain'] as const;
export type RestartMode = (typeof RESTART_MODES)[number];

export interface RestartPlan {
  mode: Exclude<RestartMode, 'none'>;
  lb: HaproxyProcess;
  instance: Instance;
  options: InstancesOptions;
  /** Since the load started. */
  atMs: number;
}

export interface RestartResult {
  mode: Exclude<RestartMode, 'none'>;
  instance: string;
  atMs: number;
  /** SIGTERM to exit (the gateway's drain of its open requests and streams). */
  exitMs: number;
  /** SIGTERM to listening again. */
  listeningMs: number;
  /** SIGTERM to marked UP by HAProxy's readiness check. */
  upMs: number;
}

// Stands in for preStop: the balancer stops picking the instance at once; answers in flight go on.
const DRAIN_WAIT_MS = 1000;
const UP_TIMEOUT_MS = 15_000;

async function waitUp(lb: HaproxyProcess, name: string): Promise<void> {
  const deadline = Date.now() + UP_TIMEOUT_MS;
  for (;;) {
    const server = (await serverStats(lb.statsUrl, 'gateways')).find((s) => s.name === name);
    if (server?.status === 'UP') return;
    if (Date.now() > deadline) throw new Error(`${name} not UP again after ${UP_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

async function setState(lb: HaproxyProcess, name: string, state: 'drain' | 'ready'): Promise<void> {
  const answer = await lb.admin(`set server gateways/${name} state ${state}`);
  if (answer !== '') throw new Error(`haproxy: set server ${name} state ${state}: ${answer}`);
}

/** Waits until `atMs`, restarts the instance, and resolves with the timeline and the new process. */
export async function restartDuringLoad(
  plan: RestartPlan,
): Promise<{ result: RestartResult; next: Instance }> {
  await sleep(plan.atMs);
  const { lb, instance } = plan;
  if (plan.mode === 'drain') {
    await setState(lb, instance.name, 'drain');
    await sleep(DRAIN_WAIT_MS);
  }
  const t0 = performance.now();
  await instance.service.stop();
  const exitMs = performance.now() - t0;
  const next = await startInstance({ name: instance.name, port: instance.port }, plan.options);
  const listeningMs = performance.now() - t0;
  if (plan.mode === 'drain') await setState(lb, instance.name, 'ready');
  await waitUp(lb, instance.name);
  const upMs = performance.now() - t0;
  return {
    result: { mode: plan.mode, instance: instance.name, atMs: plan.atMs, exitMs, listeningMs, upMs },
    next,
  };
}
