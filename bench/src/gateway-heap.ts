// The gateway's V8 heap as it reports it (prom-client's default metrics on /metrics/prometheus).
import { request } from 'undici';

export interface HeapReading {
  /** Heap the V8 isolate has reserved, in MiB (what RSS mostly follows). */
  totalMb: number;
  /** Of that, in use by objects (live or not yet collected), in MiB. */
  usedMb: number;
}

const TOTAL = /^llm_gateway_nodejs_heap_size_total_bytes (\S+)$/m;
const USED = /^llm_gateway_nodejs_heap_size_used_bytes (\S+)$/m;

const mib = (text: string, pattern: RegExp): number => {
  const value = pattern.exec(text)?.[1];
  return value === undefined ? Number.NaN : Number(value) / (1024 * 1024);
};

/**
 * Read beside RSS so a report can tell a growing heap (a leak in JavaScript) from a heap that has
 * settled while RSS still moves (native memory, allocator). NaN values when the endpoint is off.
 */
export async function readGatewayHeap(baseUrl: string): Promise<HeapReading> {
  try {
    const res = await request(`${baseUrl}/metrics/prometheus`);
    const text = await res.body.text();
    if (res.statusCode !== 200) return { totalMb: Number.NaN, usedMb: Number.NaN };
    return { totalMb: mib(text, TOTAL), usedMb: mib(text, USED) };
  } catch {
    return { totalMb: Number.NaN, usedMb: Number.NaN };
  }
}
