// The built client carries no server code: only tRPC's client, superjson, eventsource, ky and its own files.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const ALLOWED = new Set(['@trpc/client', 'superjson', 'eventsource', 'ky']);

/** Every module specifier a built file imports (static `import … from`, bare `import`, dynamic import()). */
function importsOf(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? '');
}

describe('packages/client/dist', () => {
  it('imports nothing from the server at run time', async () => {
    const files = (await readdir(DIST, { recursive: true })).filter((file) => file.endsWith('.js'));
    expect(files).toContain('index.js');
    const external = new Set<string>();
    for (const file of files) {
      for (const specifier of importsOf(await readFile(join(DIST, file), 'utf8'))) {
        if (!specifier.startsWith('.')) external.add(specifier);
      }
    }
    expect([...external].sort()).toEqual([...ALLOWED].sort());
  });

  it('refers to server packages in its type declarations only', async () => {
    const index = await readFile(join(DIST, 'index.js'), 'utf8');
    const declarations = await readFile(join(DIST, 'index.d.ts'), 'utf8');
    expect(index).not.toMatch(/@llm-gateway\/(gateway|core|contracts)/);
    expect(declarations).toMatch(/@llm-gateway\/gateway\/api-types/);
  });
});
