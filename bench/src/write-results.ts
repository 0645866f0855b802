// Writes <name>.json (everything, raw samples included) and <name>.md (the readable tables).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './paths.js';
import { renderMarkdown } from './report-markdown.js';
import type { BenchResults } from './result-types.js';

export function writeResults(results: BenchResults): { json: string; markdown: string; text: string } {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = join(RESULTS_DIR, `${results.plan.outName}.json`);
  const markdown = join(RESULTS_DIR, `${results.plan.outName}.md`);
  // NaN is not JSON: write null so readers see "not measured" rather than a parse error.
  const replacer = (_key: string, value: unknown): unknown =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  writeFileSync(json, `${JSON.stringify(results, replacer, 2)}\n`);
  const text = renderMarkdown(results);
  writeFileSync(markdown, text);
  return { json, markdown, text };
}
