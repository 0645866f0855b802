// The route table: a public model name (alias) → its upstream targets, tried by priority and balanced by weight.
import { GatewayError } from '@llm-gateway/contracts';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { SmoothWeightedRoundRobin } from './smooth-weighted-round-robin.js';

/** One OpenAI-compatible provider (or one of its keys): its client, and its own breaker and slots. */
export interface Upstream {
  readonly name: string;
  readonly client: UpstreamClient;
  readonly breaker: CircuitBreaker | undefined;
  readonly concurrency: ConcurrencyLimiter | undefined;
}

/** Where one attempt goes: an upstream and the model name it knows the route by. */
export interface Target {
  readonly upstream: Upstream;
  readonly model: string;
}

export interface RouteTargetSpec {
  upstream: string;
  model: string;
  weight: number;
  priority: number;
}

export interface RouteSpec {
  targets: readonly RouteTargetSpec[];
  /** Left out of /v1/models (still callable). */
  hidden: boolean;
}

/** A resolved route: what a request for `alias` may try. */
export interface Route {
  readonly alias: string;
  /** The targets for one call, in the order to try them; those whose breaker refuses are left out. */
  order(requestId?: string): Target[];
  /** Why no target of the route would take a call now (the soonest to reopen), or undefined. */
  refusal(requestId?: string): GatewayError | undefined;
  /** How many targets the route has (a route of one reports its upstream's error unchanged). */
  readonly size: number;
}

export interface RouteTable {
  /** The default route's alias: the model of a request that names none. */
  readonly defaultModel: string;
  /** The route for `model`; throws `model_not_found` unless unknown models pass through. */
  resolve(model: string): Route;
  /** The aliases /v1/models lists (hidden routes left out). */
  visibleAliases(): string[];
  /** The distinct upstreams of the default route, for readiness. */
  defaultUpstreams(): Upstream[];
  /**
   * What /v1/models shows: the aliases (routes from a config file), or the upstream's own list (one
   * upstream from the environment, whose models pass through as they are).
   */
  readonly listing: 'aliases' | 'upstream';
  /** Every upstream, for metrics and shutdown. */
  readonly upstreams: readonly Upstream[];
}

export interface RouteTableOptions {
  upstreams: ReadonlyMap<string, Upstream>;
  routes: Readonly<Record<string, RouteSpec>>;
  defaultRoute: string;
  /** A model that is no alias goes to the default route's first upstream, named as sent. */
  passthroughUnknownModels: boolean;
  /** Default: `aliases`. */
  listing?: 'aliases' | 'upstream';
}

/** One priority level: its targets and the balancer that orders them. */
interface Level {
  targets: Target[];
  balancer: SmoothWeightedRoundRobin;
}

const admits = (target: Target, requestId: string | undefined): boolean =>
  target.upstream.breaker?.refusal(requestId) === undefined;

function buildRoute(alias: string, levels: Level[]): Route {
  const all = levels.flatMap((level) => level.targets);
  return {
    alias,
    size: all.length,
    order(requestId) {
      const ordered: Target[] = [];
      for (const { targets, balancer } of levels) {
        const available = (i: number) => {
          const target = targets[i];
          return target !== undefined && admits(target, requestId);
        };
        for (const index of balancer.order(available)) {
          const target = targets[index];
          if (target) ordered.push(target);
        }
      }
      return ordered;
    },
    refusal(requestId) {
      let soonest: GatewayError | undefined;
      for (const target of all) {
        const refusal = target.upstream.breaker?.refusal(requestId);
        if (refusal === undefined) return undefined;
        if (soonest === undefined || (refusal.retryAfterMs ?? 0) < (soonest.retryAfterMs ?? 0))
          soonest = refusal;
      }
      return soonest;
    },
  };
}

/** A model passed through as sent: one target, nothing to balance, built cheaply for every such call. */
function passthroughRoute(alias: string, upstream: Upstream): Route {
  const target: Target = { upstream, model: alias };
  return {
    alias,
    size: 1,
    order: (requestId) => (admits(target, requestId) ? [target] : []),
    refusal: (requestId) => upstream.breaker?.refusal(requestId),
  };
}

function levelsOf(spec: RouteSpec, upstreams: ReadonlyMap<string, Upstream>): Level[] {
  const byPriority = new Map<number, { targets: Target[]; weights: number[] }>();
  for (const target of spec.targets) {
    const upstream = upstreams.get(target.upstream);
    if (!upstream) throw new RangeError(`route target names unknown upstream "${target.upstream}"`);
    const level = byPriority.get(target.priority) ?? { targets: [], weights: [] };
    level.targets.push({ upstream, model: target.model });
    level.weights.push(target.weight);
    byPriority.set(target.priority, level);
  }
  return [...byPriority.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, level]) => ({ targets: level.targets, balancer: new SmoothWeightedRoundRobin(level.weights) }));
}

export function createRouteTable(options: RouteTableOptions): RouteTable {
  const { upstreams, defaultRoute } = options;
  const routes = new Map<string, Route>();
  const hidden = new Set<string>();
  for (const [alias, spec] of Object.entries(options.routes)) {
    routes.set(alias, buildRoute(alias, levelsOf(spec, upstreams)));
    if (spec.hidden) hidden.add(alias);
  }
  const fallbackSpec = options.routes[defaultRoute];
  const firstTarget = fallbackSpec?.targets[0];
  const passthroughUpstream = firstTarget ? upstreams.get(firstTarget.upstream) : undefined;
  if (!routes.has(defaultRoute) || !passthroughUpstream)
    throw new RangeError(`default route "${defaultRoute}" is not a route`);

  return {
    defaultModel: defaultRoute,
    listing: options.listing ?? 'aliases',
    upstreams: [...upstreams.values()],
    resolve(model) {
      const route = routes.get(model);
      if (route) return route;
      if (options.passthroughUnknownModels) return passthroughRoute(model, passthroughUpstream);
      throw new GatewayError(
        'model_not_found',
        `The model '${model}' does not exist on this gateway; GET /v1/models lists the ones it serves.`,
        {
          param: 'model',
        },
      );
    },
    visibleAliases: () => [...routes.keys()].filter((alias) => !hidden.has(alias)),
    defaultUpstreams() {
      const seen = new Set<Upstream>();
      for (const target of fallbackSpec?.targets ?? []) {
        const upstream = upstreams.get(target.upstream);
        if (upstream) seen.add(upstream);
      }
      return [...seen];
    },
  };
}
