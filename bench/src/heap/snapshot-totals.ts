// The size of a V8 heap snapshot file: how many objects it holds and their bytes (self sizes summed).
import { readFileSync } from 'node:fs';

export interface HeapTotals {
  objects: number;
  bytes: number;
}

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[] } };
  nodes: number[];
}

/** Every node of the snapshot counts: objects, strings, closures, arrays, code, all that V8 keeps. */
export function snapshotTotals(file: string): HeapTotals {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile;
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const selfSize = fields.indexOf('self_size');
  const { nodes } = snapshot;
  let bytes = 0;
  for (let at = selfSize; at < nodes.length; at += width) bytes += nodes[at] ?? 0;
  return { objects: nodes.length / width, bytes };
}
