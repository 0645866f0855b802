// Every configuration variable is documented in the README and .env.example, and passed through by turbo.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('configuration docs', () => {
  it('the README table lists every variable', () => {
    const readme = read('README.md');
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });

  it('.env.example mentions every variable', () => {
    const example = read('.env.example');
    const missing = CONFIG_VARIABLES.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('turbo passes every variable to `start` and `dev` (strict env mode drops the rest)', () => {
    const turbo = JSON.parse(read('turbo.json')) as { tasks: Record<string, { passThroughEnv?: string[] }> };
    for (const task of ['start', 'dev']) {
      expect([...(turbo.tasks[task]?.passThroughEnv ?? [])].sort()).toEqual([...CONFIG_VARIABLES].sort());
    }
  });
});
