// Measuring the fuzzed gateway's memory from outside: its RSS, and its live heap after a full GC.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FuzzGateway } from './fuzz-gateway.js';

/** The child's resident set size in bytes. */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const MB = 1024 * 1024;

/**
 * The child's live heap in bytes: SIGUSR2 makes it write a heap snapshot, which V8 takes after a full
 * garbage collection, so the sum of the objects' sizes is what is really retained.
 */
export async function liveHeapOf(fuzz: FuzzGateway): Promise<number> {
  const { gateway: child, heapDir } = fuzz;
  child.process.kill('SIGUSR2');
  // The snapshot is written on the child's main thread: once it answers again, the file is complete.
  await pause(100);
  expect((await fetch(`${child.url}/health`)).status).toBe(200);
  const file = readdirSync(heapDir).find((name) => name.endsWith('.heapsnapshot'));
  if (file === undefined) throw new Error(`no heap snapshot in ${heapDir}`);
  const snapshot = JSON.parse(readFileSync(join(heapDir, file), 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  rmSync(join(heapDir, file));
  const fields = snapshot.snapshot.meta.node_fields;
  let total = 0;
  for (let i = fields.indexOf('self_size'); i < snapshot.nodes.length; i += fields.length)
    total += snapshot.nodes[i] ?? 0;
  return total;
}
