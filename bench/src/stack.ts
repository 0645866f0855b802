// The processes under test: simulator, thin proxy, relay floor, gateway (memory cache), gateway (Redis
// cache) + Redis, and with --accounting the same two gateways again with USAGE_ENABLED=false.
import { say } from './log.js';
import { readRssMb } from './proc-rss.js';
import type { Service } from './spawn-service.js';
import { type GatewayOptions, startGateway } from './start-gateway.js';
import { startRedis } from './start-redis.js';
import { type SimProcess, startSim } from './start-sim.js';
import { startRelayFloor, startThinProxy } from './start-thin-proxy.js';

export type TargetId =
  | 'direct'
  | 'proxy'
  | 'floor'
  | 'floor-at-end'
  | 'gateway'
  | 'gateway-redis'
  | 'gateway-no-usage'
  | 'gateway-redis-no-usage';

export const TARGET_LABELS: Readonly<Record<TargetId, string>> = {
  direct: 'direct → simulator',
  proxy: 'thin proxy',
  floor: 'relay floor (thin proxy + relay and record)',
  'floor-at-end': 'relay floor, events parsed at the end',
  gateway: 'gateway (memory cache)',
  'gateway-redis': 'gateway (Redis cache)',
  'gateway-no-usage': 'gateway (memory cache), usage off',
  'gateway-redis-no-usage': 'gateway (Redis cache), usage off',
};

/** Each gateway target with accounting on, and its twin with USAGE_ENABLED=false. */
export const USAGE_TWINS: ReadonlyArray<readonly [on: TargetId, off: TargetId]> = [
  ['gateway', 'gateway-no-usage'],
  ['gateway-redis', 'gateway-redis-no-usage'],
];

export interface Stack {
  sim: SimProcess;
  logDir: string;
  /** Base URL of each started target. */
  url(target: TargetId): string;
  /** PID of the process that answers for `target` (the simulator for `direct`). */
  pid(target: TargetId): number;
  /** Every started service, for the report (name, pid, RSS). */
  services(): Service[];
  stop(): Promise<void>;
}

export interface StackNeeds {
  proxy: boolean;
  /** The relay floor in both modes, for the stream runs (d). */
  floor: boolean;
  gateway: boolean;
  gatewayRedis: boolean;
  /** Also the gateways' twins with usage accounting off (issue 15's "within 5%" check). */
  accountingTwins: boolean;
}

/** Starts what `needs` asks for (the simulator always); on a failure stops what was already started. */
export async function startStack(needs: StackNeeds, logDir: string): Promise<Stack> {
  const services: Service[] = [];
  const urls = new Map<TargetId, string>();
  const pids = new Map<TargetId, number>();
  const stop = async (): Promise<void> => {
    // Clients of a service first, so nothing logs connection errors while it stops.
    for (const service of [...services].reverse()) await service.stop();
  };
  try {
    const sim = await startSim(logDir);
    services.push(sim.service);
    urls.set('direct', sim.url);
    pids.set('direct', sim.service.pid);
    if (needs.proxy) {
      const proxy = await startThinProxy(sim.url, logDir);
      services.push(proxy.service);
      urls.set('proxy', proxy.url);
      pids.set('proxy', proxy.service.pid);
    }
    if (needs.floor) {
      for (const [target, mode] of [
        ['floor', 'parse-each'],
        ['floor-at-end', 'parse-at-end'],
      ] as const) {
        const floor = await startRelayFloor(sim.url, logDir, { mode });
        services.push(floor.service);
        urls.set(target, floor.url);
        pids.set(target, floor.service.pid);
      }
    }
    const addGateway = async (target: TargetId, options: Omit<GatewayOptions, 'upstreamUrl' | 'logDir'>) => {
      const gateway = await startGateway({ ...options, upstreamUrl: sim.url, logDir });
      services.push(gateway.service);
      urls.set(target, gateway.url);
      pids.set(target, gateway.service.pid);
    };
    const usageOff = { USAGE_ENABLED: 'false' };
    if (needs.gateway) {
      await addGateway('gateway', { name: 'gateway-memory' });
      if (needs.accountingTwins)
        await addGateway('gateway-no-usage', { name: 'gateway-memory-no-usage', env: usageOff });
    }
    if (needs.gatewayRedis) {
      const redis = await startRedis(logDir);
      services.push(redis.service);
      await addGateway('gateway-redis', { name: 'gateway-redis', redisUrl: redis.url });
      if (needs.accountingTwins)
        await addGateway('gateway-redis-no-usage', {
          name: 'gateway-redis-no-usage',
          redisUrl: redis.url,
          env: usageOff,
        });
    }
    for (const service of services) {
      say(`started ${service.name} (pid ${service.pid}, RSS ${readRssMb(service.pid).toFixed(0)} MB)`);
    }
    return {
      sim,
      logDir,
      url: (target) => {
        const url = urls.get(target);
        if (url === undefined) throw new Error(`target ${target} was not started`);
        return url;
      },
      pid: (target) => {
        const pid = pids.get(target);
        if (pid === undefined) throw new Error(`target ${target} was not started`);
        return pid;
      },
      services: () => [...services],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
