// The route table of a gateway with one upstream and no routes file: every model goes to it as sent.

import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { createRouteTable, type RouteTable, type Upstream } from './route-table.js';

export interface SingleUpstreamOptions {
  client: UpstreamClient;
  /** The model of a request that names none (`VITTE_LLM_MODEL`). */
  model: string;
  breaker?: CircuitBreaker | undefined;
  concurrency?: ConcurrencyLimiter | undefined;
  /** The upstream's name in headers, logs and metrics (default `default`). */
  name?: string;
}

/** One route (`model`) to one upstream, unknown models passed through, /v1/models from the upstream. */
export function singleUpstreamRoutes(options: SingleUpstreamOptions): RouteTable {
  const name = options.name ?? 'default';
  const upstream: Upstream = {
    name,
    client: options.client,
    breaker: options.breaker,
    concurrency: options.concurrency,
  };
  return createRouteTable({
    upstreams: new Map([[name, upstream]]),
    routes: {
      [options.model]: {
        targets: [{ upstream: name, model: options.model, weight: 1, priority: 0 }],
        hidden: false,
      },
    },
    defaultRoute: options.model,
    passthroughUnknownModels: true,
    listing: 'upstream',
  });
}
