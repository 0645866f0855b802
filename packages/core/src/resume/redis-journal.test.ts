// Two instances sharing Redis: a reader on the second follows a stream the first runs, cancels reach across.
import { randomUUID } from 'node:crypto';
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisJournal } from './redis-journal.js';
import { createResumableStreams, type ResumableStreams } from './resumable-streams.js';
import { manualStream } from './resume-test-stream.js';
import type { JournalEnd, TailSink } from './resume-types.js';

let server: RedisServerHandle;
let redis: Redis;
const prefix = `test:resume:${randomUUID()}:`;

function instance(graceMs = 15_000): ResumableStreams {
  const journal = createRedisJournal({ redis, keyPrefix: prefix, ttlMs: 2000, flushMs: 5, pollMs: 10 });
  return createResumableStreams({ ttlMs: 2000, graceMs, redis: journal, watchMs: 20 });
}

function collector() {
  const texts: string[] = [];
  let resolveEnd: (end: JournalEnd) => void = () => {};
  const done = new Promise<JournalEnd>((resolve) => {
    resolveEnd = resolve;
  });
  const sink: TailSink = {
    entry: ({ seq, event }) => texts.push(`${seq}:${event.chunk.choices[0]?.delta?.content}`),
    end: (end) => resolveEnd(end),
  };
  return { texts, done, sink };
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describe('resumable streams across instances (Redis)', () => {
  it('a reader on another instance gets the events after its id, then the end', async () => {
    const a = instance();
    const b = instance();
    const upstream = manualStream();
    a.start({ id: 'r1', owner: 'k', stream: upstream.stream });
    for (const word of ['w1', 'w2', 'w3', 'w4']) upstream.push(word);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const remote = collector();
    await b.attach({ id: 'r1', owner: 'k', afterSeq: 2 }, remote.sink);
    upstream.push('w5');
    upstream.end();
    expect(await remote.done).toEqual({ kind: 'end' });
    expect(remote.texts).toEqual(['3:w3', '4:w4', '5:w5']);
    await expect(b.attach({ id: 'r1', owner: 'other', afterSeq: 0 }, collector().sink)).rejects.toMatchObject(
      {
        code: 'stream_expired',
      },
    );
    a.close();
    b.close();
  });

  it('a remote reader keeps the stream past its grace period; a cancel on the other instance ends it', async () => {
    const a = instance(150);
    const b = instance(150);
    const upstream = manualStream();
    a.start({ id: 'r2', owner: 'k', stream: upstream.stream });
    upstream.push('x');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const remote = collector();
    const detach = await b.attach({ id: 'r2', owner: 'k', afterSeq: 0 }, remote.sink);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(upstream.cancelled()).toBe(false);
    detach();
    expect(await b.cancel('r2', 'k')).toBe(true);
    const started = Date.now();
    while (!upstream.cancelled() && Date.now() - started < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(upstream.cancelled()).toBe(true);
    a.close();
    b.close();
  });

  it('an unknown or expired id is stream_expired at once', async () => {
    const b = instance();
    const started = Date.now();
    await expect(b.attach({ id: 'nope', owner: '', afterSeq: 3 }, collector().sink)).rejects.toMatchObject({
      code: 'stream_expired',
    });
    expect(Date.now() - started).toBeLessThan(500);
  });
});
