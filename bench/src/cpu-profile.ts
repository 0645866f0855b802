// Reads a V8 .cpuprofile and ranks functions by self time (time on top of the stack).
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTimeRow {
  name: string;
  /** `file:line` (relative to node_modules or the repo where possible). */
  location: string;
  selfMs: number;
  /** Share of all non-idle samples. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  functions: SelfTimeRow[];
  /** Self time per package or area (fastify, pino, undici, node internals, gateway code, …). */
  areas: SelfTimeRow[];
  /** Functions by total time (self plus callees): which calls are expensive as a whole. */
  inclusive: SelfTimeRow[];
}

/** Frames every stack passes through; their total time says nothing. */
const PLUMBING = new Set([
  '(root)',
  'processTicksAndRejections',
  'runMicrotasks',
  'listOnTimeout',
  'processTimers',
  'emit',
]);

/** Shortens a script URL to something readable: `pkg/path:line`, `node:internal/…`, or the repo path. */
function shortLocation(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return '';
  const line = frame.lineNumber + 1;
  const modules = url.lastIndexOf('/node_modules/');
  const path =
    modules >= 0
      ? url.slice(modules + '/node_modules/'.length)
      : url.replace(/^file:\/\/.*?\/(apps|packages)\//, '$1/');
  return `${path}:${line}`;
}

/** Which package or area a frame belongs to. */
function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) {
    // node:internal/webstreams/readablestream → node:webstreams; node:_http_outgoing → node:http.
    const module = url.replace(/^node:(internal\/)?(deps\/)?/, '').split('/')[0] ?? url;
    const name = module.replace(/^_http_.*/, 'http').replace(/\.js$/, '');
    return name === 'undici' ? 'node:undici (fetch)' : `node:${name}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const workspace = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return workspace ? `${workspace[1]}/${workspace[2]}` : url;
}

function rank(
  totals: Map<string, { name: string; location: string; us: number }>,
  busyUs: number,
  top: number,
) {
  return [...totals.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((row) => ({
      name: row.name,
      location: row.location,
      selfMs: row.us / 1000,
      percent: (row.us / busyUs) * 100,
    }));
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the gap before sample i, so sample i lasted until sample i+1 was taken.
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] ?? -1;
      const duration = deltas[i + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, duration));
    }
  } else {
    // Older format: hit counts only; spread the wall time evenly over them.
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    const perHit = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * perHit);
  }
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (frame: CallFrame): string =>
    `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
  const nameOf = (frame: CallFrame): string =>
    frame.functionName === '' ? '(anonymous)' : frame.functionName;
  const inclusive = new Map<string, { name: string; location: string; us: number }>();
  for (const [id, us] of selfUs) {
    if (us <= 0 || byId.get(id)?.callFrame.functionName === '(idle)') continue;
    // Each function counts once per sample, however often it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)?.callFrame;
      // Libraries and our code only: Node's own frames would fill the list with stream plumbing.
      if (!frame || PLUMBING.has(frame.functionName) || frame.url === '' || frame.url.startsWith('node:'))
        continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      const row = inclusive.get(key) ?? { name: nameOf(frame), location: shortLocation(frame), us: 0 };
      row.us += us;
      inclusive.set(key, row);
    }
  }
  const functions = new Map<string, { name: string; location: string; us: number }>();
  const areas = new Map<string, { name: string; location: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = keyOf(frame);
    const fn = functions.get(key) ?? { name: nameOf(frame), location: shortLocation(frame), us: 0 };
    fn.us += us;
    functions.set(key, fn);
    const area = areaOf(frame);
    const bucket = areas.get(area) ?? { name: area, location: '', us: 0 };
    bucket.us += us;
    areas.set(area, bucket);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    functions: rank(functions, busyUs, top),
    areas: rank(areas, busyUs, 20),
    inclusive: rank(inclusive, busyUs, 25),
  };
}

/** Plain-text tables of a summary, for the terminal. */
export function formatProfile(summary: ProfileSummary): string {
  const line = (row: SelfTimeRow): string =>
    `${row.selfMs.toFixed(0).padStart(8)} ms ${row.percent.toFixed(1).padStart(5)}%  ${row.name}${row.location ? `  ${row.location}` : ''}`;
  return [
    `profile: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms not idle (percentages are of the latter)`,
    '',
    `top ${summary.functions.length} functions by self time:`,
    ...summary.functions.map(line),
    '',
    'self time by package / area:',
    ...summary.areas.map(line),
    '',
    `top ${summary.inclusive.length} library/app functions by total time (self + synchronous callees):`,
    ...summary.inclusive.map(line),
  ].join('\n');
}
