// The README's runnable example runs against the built gateway and prints what it promises.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './support.js';

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

describe('examples/chat.ts', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('prints a completion, a stream and a typed error', async () => {
    const { stdout } = await run(TSX, ['examples/chat.ts'], {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH ?? '', GATEWAY_URL: stack.gateway.url },
      timeout: 20_000,
    });
    expect(stdout).toContain('gateway: healthy (real)');
    expect(stdout).toContain('complete: Simulated answer to: Say hello in one sentence. (from_cache: false)');
    expect(stdout).toContain('stream: Simulated answer to: Count from one to five.\n');
    expect(stdout).toContain('typed error: invalid_request (HTTP 400, param messages)');
    expect(stack.sim.stats.chatRequests).toBe(2);
  }, 30_000);
});
