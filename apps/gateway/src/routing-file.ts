// Upstreams and routes: read from the GATEWAY_CONFIG file and checked, or built from today's env variables.
import { LineCounter, parseDocument } from 'yaml';
import { type AccessConfig, buildAccess, keysProblems } from './keys-file.js';
import { type FieldPath, formatField, issueProblems, type Problem, yamlProblem } from './routing-problems.js';
import { ENV_VARIABLE_NAME, ROUTING_FILE_SCHEMA, type RoutingFile } from './routing-schema.js';

/** One upstream, ready to call: its key resolved from the environment (never logged). */
export interface RoutingUpstream {
  readonly baseUrl: string;
  /** undefined: no Authorization header. */
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  /** Sent on every call to this upstream. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Where one attempt of a route goes. */
export interface RoutingTarget {
  readonly upstream: string;
  /** The model name the upstream knows. */
  readonly model: string;
  /** Share among the targets of the same priority. */
  readonly weight: number;
  /** Lower first; the file's default is the target's list position, so targets are tried in order. */
  readonly priority: number;
}

/** A public model name (alias) and where its calls go. */
export interface RoutingRoute {
  readonly targets: ReadonlyArray<RoutingTarget>;
  /** Left out of /v1/models (still callable). */
  readonly hidden: boolean;
}

/**
 * The gateway's upstreams and routes. The tables have no prototype, so a client's model name such as
 * `constructor` finds no route.
 */
export interface RoutingConfig {
  /** `file`: GATEWAY_CONFIG; `env`: one upstream and one route from today's variables. */
  readonly source: 'file' | 'env';
  readonly upstreams: Readonly<Record<string, RoutingUpstream>>;
  readonly routes: Readonly<Record<string, RoutingRoute>>;
  /** The route of a request that names no model. */
  readonly defaultRoute: string;
  /** A model that is no alias goes, named as sent, to the default route's first upstream (else 404). */
  readonly passthroughUnknownModels: boolean;
}

/** The environment `api_key_env` names are looked up in. */
export type RoutingEnv = Readonly<Record<string, string | undefined>>;

/** What reading the file needs besides its path. */
export interface RoutingFileOptions {
  /** Reads the file as text (config.ts injects it; tests pass their own). */
  readonly readFile: (path: string) => string;
  readonly env: RoutingEnv;
  /** UPSTREAM_TIMEOUT_MS and UPSTREAM_MAX_CONCURRENT: an upstream's values when the file gives none. */
  readonly defaults: { readonly timeoutMs: number; readonly maxConcurrent: number };
}

/** The routing, or every problem found, each one line naming the file and the field. */
export type RoutingFileResult =
  /** `routing` undefined: the file has no upstreams (only keys and prices); the env variables describe one. */
  | { readonly ok: true; readonly routing: RoutingConfig | undefined; readonly access: AccessConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The name of the one upstream the env variables describe. */
export const ENV_UPSTREAM = 'default';

/** The env variables that describe the single upstream and route when there is no file. */
export interface EnvRoutingSettings {
  /** OPENROUTER_BASE_URL */
  readonly baseUrl: string;
  /** PROXYAPI_API_KEY */
  readonly apiKey: string | undefined;
  /** VITTE_LLM_MODEL: the one alias, the upstream's model and the default route. */
  readonly model: string;
  /** UPSTREAM_TIMEOUT_MS */
  readonly timeoutMs: number;
  /** UPSTREAM_MAX_CONCURRENT */
  readonly maxConcurrent: number;
}

/** A lookup table without a prototype: only the file's own names are in it. */
function table<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));
}

/**
 * Today's deployments, unchanged: upstream `default` and one route named VITTE_LLM_MODEL. Unknown
 * models pass through, as every model name was forwarded as is before routes existed.
 */
export function routingFromEnv(settings: EnvRoutingSettings): RoutingConfig {
  const { baseUrl, apiKey, model, timeoutMs, maxConcurrent } = settings;
  return {
    source: 'env',
    upstreams: table([[ENV_UPSTREAM, { baseUrl, apiKey, timeoutMs, maxConcurrent, headers: {} }]]),
    routes: table([
      [model, { targets: [{ upstream: ENV_UPSTREAM, model, weight: 1, priority: 0 }], hidden: false }],
    ]),
    defaultRoute: model,
    passthroughUnknownModels: true,
  };
}

const recordOf = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const isSet = (env: RoutingEnv, name: string): boolean => (env[name]?.trim() ?? '') !== '';

const names = (record: Record<string, unknown>): string => Object.keys(record).join(', ') || 'none';

/**
 * The rules that span fields: key variables set, targets naming declared upstreams, default_route
 * naming a route. They read the raw document, so they are reported together with shape problems.
 */
function crossCheck(raw: unknown, env: RoutingEnv): Problem[] {
  const problems: Problem[] = [];
  const doc = recordOf(raw);
  const upstreams = recordOf(doc?.upstreams);
  const routes = recordOf(doc?.routes);
  const routing = ['upstreams', 'routes', 'default_route'] as const;
  if (doc !== undefined && routing.some((section) => doc[section] !== undefined)) {
    for (const section of routing) {
      if (doc[section] === undefined) {
        problems.push({
          field: [section],
          message: 'is required with upstreams, routes and default_route (all three or none)',
        });
      }
    }
  }
  const aliases =
    routes !== undefined && doc?.passthrough_unknown_models !== true ? Object.keys(routes) : undefined;
  problems.push(...keysProblems(raw, env, aliases));
  for (const [name, upstream] of Object.entries(upstreams ?? {})) {
    const variable = recordOf(upstream)?.api_key_env;
    if (typeof variable === 'string' && ENV_VARIABLE_NAME.test(variable) && !isSet(env, variable)) {
      problems.push({
        field: ['upstreams', name, 'api_key_env'],
        message: `${variable} is not set in the environment`,
      });
    }
  }
  for (const [alias, route] of Object.entries(routes ?? {})) {
    const targets = recordOf(route)?.targets;
    if (upstreams === undefined || !Array.isArray(targets)) continue;
    for (const [index, target] of targets.entries()) {
      const upstream = recordOf(target)?.upstream;
      if (typeof upstream === 'string' && !Object.hasOwn(upstreams, upstream)) {
        const field: FieldPath = ['routes', alias, 'targets', index, 'upstream'];
        problems.push({
          field,
          message: `${JSON.stringify(upstream)} is not a declared upstream (declared: ${names(upstreams)})`,
        });
      }
    }
  }
  const defaultRoute = doc?.default_route;
  if (routes !== undefined && typeof defaultRoute === 'string' && !Object.hasOwn(routes, defaultRoute)) {
    problems.push({
      field: ['default_route'],
      message: `${JSON.stringify(defaultRoute)} is not a route (routes: ${names(routes)})`,
    });
  }
  return problems;
}

/** The checked file's routing as the gateway uses it: keys resolved, defaults filled in. */
function build(file: RoutingFile, options: RoutingFileOptions): RoutingConfig | undefined {
  if (file.upstreams === undefined || file.routes === undefined || file.default_route === undefined)
    return undefined;
  const upstreams = Object.entries(file.upstreams).map(([name, upstream]) => {
    const resolved: RoutingUpstream = {
      baseUrl: upstream.base_url,
      apiKey: upstream.api_key_env === undefined ? undefined : options.env[upstream.api_key_env]?.trim(),
      timeoutMs: upstream.timeout_ms ?? options.defaults.timeoutMs,
      maxConcurrent: upstream.max_concurrent ?? options.defaults.maxConcurrent,
      headers: { ...upstream.headers },
    };
    return [name, resolved] as const;
  });
  const routes = Object.entries(file.routes).map(([alias, route]) => {
    const targets = route.targets.map((target, index) => ({
      upstream: target.upstream,
      model: target.model,
      weight: target.weight,
      priority: target.priority ?? index,
    }));
    return [alias, { targets, hidden: route.hidden }] as const;
  });
  return {
    source: 'file',
    upstreams: table(upstreams),
    routes: table(routes),
    defaultRoute: file.default_route,
    passthroughUnknownModels: file.passthrough_unknown_models,
  };
}

/** Parses the text as YAML (JSON is YAML too); duplicate keys, syntax errors and warnings are problems. */
function parseText(text: string): { value: unknown; problems: Problem[]; fatal: boolean } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const errors = [...doc.errors, ...doc.warnings];
  const problems = errors.map((error) => yamlProblem(error, doc, lines));
  // A duplicate key leaves the rest readable: check it too, so every problem is reported at once.
  const fatal = errors.some((error) => error.code !== 'DUPLICATE_KEY');
  if (fatal) return { value: undefined, problems, fatal };
  try {
    return { value: doc.toJS(), problems, fatal };
  } catch (error) {
    // toJS refuses documents that expand aliases past yaml's bound (a "billion laughs" file).
    const message = error instanceof Error ? error.message : String(error);
    return { value: undefined, problems: [...problems, { field: [], message }], fatal: true };
  }
}

/** Every problem of the file's text, or none: YAML first, then shape and cross-field rules together. */
function problemsOf(text: string, env: RoutingEnv): { problems: Problem[]; file?: RoutingFile } {
  const parsed = parseText(text);
  if (parsed.fatal) return { problems: parsed.problems };
  if (parsed.value === null || parsed.value === undefined) {
    return {
      problems: [
        {
          field: [],
          message: 'the file is empty (expected upstreams, routes and default_route, or keys and prices)',
        },
      ],
    };
  }
  const result = ROUTING_FILE_SCHEMA.safeParse(parsed.value, { reportInput: true });
  const problems = [
    ...parsed.problems,
    ...(result.success ? [] : result.error.issues.flatMap(issueProblems)),
    ...crossCheck(parsed.value, env),
  ];
  return result.success ? { problems, file: result.data } : { problems };
}

const reasonOf = (error: unknown): string =>
  error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';

/**
 * Reads and checks the GATEWAY_CONFIG file at `path`. Each problem is one line such as
 * `GATEWAY_CONFIG (/etc/gw.yaml): routes.balanced.targets[1].upstream: "nope" is not a declared upstream`.
 */
export function readRoutingFile(path: string, options: RoutingFileOptions): RoutingFileResult {
  const line = (problem: Problem) =>
    `GATEWAY_CONFIG (${path}): ${problem.field.length === 0 ? '' : `${formatField(problem.field)}: `}${problem.message}`;
  let text: string;
  try {
    text = options.readFile(path);
  } catch (error) {
    return {
      ok: false,
      problems: [line({ field: [], message: `cannot read the file (${reasonOf(error)})` })],
    };
  }
  const { problems, file } = problemsOf(text, options.env);
  if (problems.length > 0 || file === undefined) return { ok: false, problems: problems.map(line) };
  return { ok: true, routing: build(file, options), access: buildAccess(file, options.env) };
}
