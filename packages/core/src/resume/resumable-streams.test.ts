// Resumable streams in memory: replay from an event id, grace period, explicit cancel, keep time, owners.
import { GatewayError } from '@llm-gateway/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResumableStreams, type ResumableStreams } from './resumable-streams.js';
import { eventWith, manualStream } from './resume-test-stream.js';
import type { JournalEnd, TailSink } from './resume-types.js';
import { tailEntries } from './tail-entries.js';

function collector() {
  const seen: Array<[number, string]> = [];
  const ends: JournalEnd[] = [];
  const sink: TailSink = {
    entry: ({ seq, event }) => seen.push([seq, event.chunk.choices[0]?.delta?.content ?? '']),
    end: (end) => ends.push(end),
  };
  return { seen, ends, sink };
}

let streams: ResumableStreams;
beforeEach(() => {
  vi.useFakeTimers();
  streams = createResumableStreams({ ttlMs: 60_000, graceMs: 15_000 });
});
afterEach(() => {
  streams.close();
  vi.useRealTimers();
});

describe('resumable streams (memory)', () => {
  it('a second reader from an event id gets every later event once, in order, then the end', async () => {
    const upstream = manualStream();
    streams.start({ id: 's1', owner: 'k1', stream: upstream.stream });
    const first = collector();
    const detach = await streams.attach({ id: 's1', owner: 'k1', afterSeq: 0 }, first.sink);
    for (const word of ['a', 'b', 'c']) upstream.push(word);
    detach();
    upstream.push('d');
    const second = collector();
    await streams.attach({ id: 's1', owner: 'k1', afterSeq: 2 }, second.sink);
    upstream.push('e');
    upstream.end();
    expect(first.seen).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(second.seen).toEqual([
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
    expect(second.ends).toEqual([{ kind: 'end' }]);
    expect(upstream.cancelled()).toBe(false);
  });

  it('a stream nobody reads is cancelled when the grace period ends, not before', async () => {
    const upstream = manualStream();
    streams.start({ id: 's2', owner: '', stream: upstream.stream });
    const detach = await streams.attach({ id: 's2', owner: undefined, afterSeq: 0 }, collector().sink);
    detach();
    await vi.advanceTimersByTimeAsync(14_900);
    expect(upstream.cancelled()).toBe(false);
    // A reconnect in time stops the clock; leaving again restarts it in full.
    const again = await streams.attach({ id: 's2', owner: undefined, afterSeq: 0 }, collector().sink);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(upstream.cancelled()).toBe(false);
    again();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(upstream.cancelled()).toBe(true);
    const late = collector();
    await streams.attach({ id: 's2', owner: undefined, afterSeq: 0 }, late.sink);
    expect(late.ends[0]?.kind).toBe('fail');
  });

  it('cancel closes the upstream at once; only the owner may cancel or read', async () => {
    const upstream = manualStream();
    streams.start({ id: 's3', owner: 'k1', stream: upstream.stream });
    await expect(
      streams.attach({ id: 's3', owner: 'k2', afterSeq: 0 }, collector().sink),
    ).rejects.toMatchObject({ code: 'stream_expired' });
    expect(await streams.cancel('s3', 'k2')).toBe(false);
    expect(upstream.cancelled()).toBe(false);
    expect(await streams.cancel('s3', 'k1')).toBe(true);
    expect(upstream.cancelled()).toBe(true);
  });

  it('a finished stream is readable for the keep time, then stream_expired', async () => {
    const upstream = manualStream();
    streams.start({ id: 's4', owner: 'k', stream: upstream.stream });
    upstream.push('x');
    upstream.fail(new GatewayError('upstream_error', 'boom'));
    const entries: string[] = [];
    await expect(async () => {
      for await (const entry of tailEntries(streams, { id: 's4', owner: 'k', afterSeq: 0 })) {
        entries.push(entry.event.text);
      }
    }).rejects.toMatchObject({ code: 'upstream_error' });
    expect(entries).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(
      streams.attach({ id: 's4', owner: 'k', afterSeq: 1 }, collector().sink),
    ).rejects.toMatchObject({
      code: 'stream_expired',
    });
  });

  it('a resume from before the events a capped record kept is stream_expired', async () => {
    const capped = createResumableStreams({ ttlMs: 1000, graceMs: 1000, maxEvents: 8 });
    const upstream = manualStream();
    capped.start({ id: 's5', owner: '', stream: upstream.stream });
    for (let i = 0; i < 12; i += 1) upstream.push(String(i));
    await expect(capped.attach({ id: 's5', owner: '', afterSeq: 0 }, collector().sink)).rejects.toMatchObject(
      {
        code: 'stream_expired',
      },
    );
    const late = collector();
    await capped.attach({ id: 's5', owner: '', afterSeq: 10 }, late.sink);
    expect(late.seen).toEqual([
      [11, '10'],
      [12, '11'],
    ]);
    capped.close();
  });
});

describe('resumable streams (memory bound)', () => {
  it('drops the oldest finished streams past maxFinishedSize, never a running one', async () => {
    const eventSize = manualStreamEventSize();
    const bounded = createResumableStreams({
      ttlMs: 60_000,
      graceMs: 15_000,
      maxFinishedSize: 5 * eventSize,
    });
    const feeds = ['old', 'mid', 'running', 'new'].map((id) => {
      const upstream = manualStream();
      bounded.start({ id, owner: '', stream: upstream.stream });
      for (const word of ['a', 'b', 'c']) upstream.push(word);
      return { id, upstream };
    });
    for (const { id, upstream } of feeds) if (id !== 'running') upstream.end();
    // Three finished streams of 3 events over a budget of 5: the two oldest go, the newest and the running one stay.
    for (const id of ['old', 'mid']) {
      await expect(bounded.attach({ id, owner: '', afterSeq: 0 }, collector().sink)).rejects.toMatchObject({
        code: 'stream_expired',
      });
    }
    for (const id of ['new', 'running']) {
      const reader = collector();
      await bounded.attach({ id, owner: '', afterSeq: 0 }, reader.sink);
      expect(reader.seen.map(([, word]) => word)).toEqual(['a', 'b', 'c']);
    }
    bounded.close();
  });
});

/** The text length of one manualStream event (the ids and words are the same length in every test). */
function manualStreamEventSize(): number {
  return eventWith('a').text.length;
}
