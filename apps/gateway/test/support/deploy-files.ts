// Reads the deployment files (Kubernetes manifests, docker-compose.yml, haproxy.cfg) as data for the manifest tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const KUBE_DIR = join(REPO_ROOT, 'deploy/kubernetes');

export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** A parsed YAML document: objects all the way down, as far as the tests look. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped data; each test narrows what it reads
export type Doc = Record<string, any>;

export interface YamlFile {
  /** Path relative to the repo root. */
  path: string;
  docs: Doc[];
}

/** Every document of a YAML file; a syntax error anywhere fails with the file's name. */
export function readYaml(path: string): YamlFile {
  const docs = parseAllDocuments(readRepoFile(path));
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = list.flatMap((doc) => doc.errors.map((error) => `${path}: ${error.message}`));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { path, docs: list.map((doc) => doc.toJS() as Doc).filter((doc) => doc !== null) };
}

/** Every .yaml/.yml file under deploy/kubernetes, recursively. */
export function kubeYamlFiles(dir = KUBE_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return kubeYamlFiles(full);
    return /\.ya?ml$/.test(name) ? [relative(REPO_ROOT, full)] : [];
  });
}

/** The document of `kind` in a file (the manifests here hold one object per file). */
export function manifest(path: string, kind: string): Doc {
  const doc = readYaml(path).docs.find((d) => d.kind === kind);
  if (doc === undefined) throw new Error(`${path}: no ${kind}`);
  return doc;
}

/** `10s`, `2m`, `500ms`, `200` (HAProxy's default unit is milliseconds) → milliseconds. */
export function haproxyDurationMs(text: string): number {
  const match = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text);
  if (match === null) throw new Error(`not a HAProxy duration: ${text}`);
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  return Number(match[1]) * unit[(match[2] ?? 'ms') as keyof typeof unit];
}

/** haproxy.cfg as `section name` → its directive lines (comments and blank lines dropped). */
export function haproxySections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (/^\S/.test(raw)) {
      current = [];
      sections.set(line, current);
    } else current.push(line.replace(/\s+/g, ' '));
  }
  return sections;
}

/** `"${NAME-default}"` → default: what HAProxy uses when the variable is unset (as under compose). */
export const haproxyDefault = (value: string): string =>
  value.replace(/^"\$\{[A-Z0-9_]+-(.*)\}"$/, '$1').replace(/^"(.*)"$/, '$1');
