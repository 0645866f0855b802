// Every config variable is in the README and .env.example with its default, and passed through by turbo.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, parseConfig } from '../src/config.js';

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

  it('.env.example shows the defaults: read as the environment, it gives the default config', () => {
    expect(parseConfig(parseEnv(read('.env.example')))).toEqual(parseConfig({}));
  });

  it('the README table shows the defaults: its literal default values give the default config', () => {
    const literals = Object.fromEntries(
      [...read('README.md').matchAll(/^\| `([A-Z_]+)` +\| `([^`]*)` +\|/gm)].map((row) => [row[1], row[2]]),
    );
    expect(Object.keys(literals).length).toBeGreaterThan(30);
    expect(parseConfig(literals)).toEqual(parseConfig({}));
  });

  it('turbo passes every variable to `start` and `dev` (strict env mode drops the rest)', () => {
    const turbo = JSON.parse(read('turbo.json')) as { tasks: Record<string, { passThroughEnv?: string[] }> };
    for (const task of ['start', 'dev']) {
      expect([...(turbo.tasks[task]?.passThroughEnv ?? [])].sort()).toEqual([...CONFIG_VARIABLES].sort());
    }
  });
});
