// Resident set size of another process, read from /proc/<pid>/status (Linux only).
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in MiB, or NaN when it cannot be read (process gone, not Linux). */
export function readRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
