// LineBatch: lines reach the writer in order, in one write per batch, and all of them at flushSync.
import { describe, expect, it } from 'vitest';
import { LineBatch } from './log-batch.js';

function sink() {
  const writes: string[] = [];
  let synced = 0;
  return {
    writes,
    synced: () => synced,
    write: (text: string) => writes.push(text),
    flushSync: () => {
      synced += 1;
    },
  };
}

describe('LineBatch', () => {
  it('writes once the batch size has gathered, every line once and in order', () => {
    const target = sink();
    const batch = new LineBatch(target, 30);
    batch.write('line one\n');
    batch.write('line two\n');
    expect(target.writes).toEqual([]);
    batch.write('line three\n');
    batch.write('line four\n');
    expect(target.writes).toEqual(['line one\nline two\nline three\nline four\n']);
    batch.write('five\n');
    expect(target.writes).toHaveLength(1);
  });

  it('flush hands over what gathered, and nothing when nothing did; flushSync writes the rest synchronously', () => {
    const target = sink();
    const batch = new LineBatch(target, 1024);
    batch.flush();
    expect(target.writes).toEqual([]);
    batch.write('a\n');
    batch.flush();
    batch.write('b\n');
    batch.flushSync();
    expect(target.writes).toEqual(['a\n', 'b\n']);
    expect(target.synced()).toBe(1);
  });
});
