// The gateway's upstreams and routes, built from config.routing: a client, a breaker and slots per upstream.
import {
  type ConcurrencySnapshot,
  createCircuitBreaker,
  createConcurrencyLimiter,
  createRouteTable,
  createUpstreamClient,
  type RouteTable,
  type Upstream,
} from '@llm-gateway/core';
import type { GatewayConfig } from './config.js';
import type { EngineLogs } from './engine-logs.js';
import type { PrometheusMetrics } from './metrics/prometheus-metrics.js';

export interface Upstreams {
  routes: RouteTable;
  all: readonly Upstream[];
  /** The default route's first upstream: the spec's one breaker in /metrics and readiness. */
  primary: Upstream | undefined;
  /** Every upstream's slots together, as /metrics showed them before routing. */
  concurrency: { snapshot(): ConcurrencySnapshot };
  close(): Promise<void>;
}

export interface UpstreamsOptions {
  config: GatewayConfig;
  logs: EngineLogs;
  metrics: PrometheusMetrics;
  /** Where the environment's one upstream really is (the embedded simulator in demo mode). */
  demoBaseUrl?: string | undefined;
}

function createUpstream(name: string, { config, logs, metrics, demoBaseUrl }: UpstreamsOptions): Upstream {
  const spec = config.routing.upstreams[name];
  if (!spec) throw new RangeError(`unknown upstream ${name}`);
  const demo = config.routing.source === 'env' && demoBaseUrl !== undefined;
  return {
    name,
    client: createUpstreamClient({
      baseUrl: demo ? demoBaseUrl : spec.baseUrl,
      ...(spec.apiKey === undefined ? {} : { apiKey: spec.apiKey }),
      headers: spec.headers,
      timeoutMs: spec.timeoutMs,
      keepAliveMs: config.upstream.keepAliveMs,
      streamIdleTimeoutMs: config.limits.streamIdleTimeoutMs,
      streamMaxDurationMs: config.limits.streamMaxDurationMs,
    }),
    breaker: config.circuitBreaker.enabled
      ? createCircuitBreaker({
          failureThreshold: config.circuitBreaker.failureThreshold,
          openMs: config.circuitBreaker.timeoutSeconds * 1000,
          onEvent: (event) => {
            metrics.breakerTransition(event.from, event.to);
            logs.breaker(name, event);
          },
        })
      : undefined,
    concurrency: createConcurrencyLimiter({
      maxConcurrent: spec.maxConcurrent,
      maxQueue: config.limits.upstreamQueueMax,
      queueTimeoutMs: config.limits.upstreamQueueTimeoutMs,
    }),
  };
}

/** The slots of every upstream as one snapshot. */
function totalSlots(upstreams: readonly Upstream[]): { snapshot(): ConcurrencySnapshot } {
  return {
    snapshot() {
      const total: ConcurrencySnapshot = { in_flight: 0, queued: 0, max_concurrent: 0, rejected: 0 };
      for (const { concurrency } of upstreams) {
        const one = concurrency?.snapshot();
        if (!one) continue;
        total.in_flight += one.in_flight;
        total.queued += one.queued;
        total.max_concurrent += one.max_concurrent;
        total.rejected += one.rejected;
      }
      return total;
    },
  };
}

export function createUpstreams(options: UpstreamsOptions): Upstreams {
  const { routing } = options.config;
  const byName = new Map<string, Upstream>();
  for (const name of Object.keys(routing.upstreams)) byName.set(name, createUpstream(name, options));
  const routes = createRouteTable({
    upstreams: byName,
    routes: routing.routes,
    defaultRoute: routing.defaultRoute,
    passthroughUnknownModels: routing.passthroughUnknownModels,
    // From the environment, models pass through to one upstream, so its own list is the honest answer.
    listing: routing.source === 'env' ? 'upstream' : 'aliases',
  });
  const all = [...byName.values()];
  return {
    routes,
    all,
    primary: routes.defaultUpstreams()[0],
    concurrency: totalSlots(all),
    close: async () => {
      await Promise.all(all.map((upstream) => upstream.client.close()));
    },
  };
}
