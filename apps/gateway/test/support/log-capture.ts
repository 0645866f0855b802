// A pino destination that keeps every log line of a test in memory, for assertions on logs.
import { Writable } from 'node:stream';

export interface LogCapture {
  stream: Writable;
  lines: string[];
  /** Parsed JSON lines. */
  entries(): Array<Record<string, unknown>>;
}

export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        lines.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
  return {
    stream,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
