// A reader on an instance that does not run the stream: polls its Redis Stream and pushes what is new.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import { GatewayError } from '@llm-gateway/contracts';
import type { Cluster, Redis } from 'ioredis';
import { errorFromText, streamExpiredError } from './journal-errors.js';
import { SEPARATOR, type StreamKeys } from './redis-journal.js';
import type { Detach, TailSink } from './resume-types.js';

export interface TailInput {
  id: string;
  owner: string;
  afterSeq: number;
}

/** Resolves once the stream is known to exist for `owner` (else rejects with stream_expired), then pushes. */
export type RemoteTail = (input: TailInput, sink: TailSink) => Promise<Detach>;

interface TailContext {
  redis: Redis | Cluster;
  keys: StreamKeys;
  pollMs: number;
}

/** Entries read per poll: a reconnect far behind catches up in a few round trips. */
const PAGE = 200;

function storeUnreachable(): GatewayError {
  return new GatewayError('overloaded', 'The stream could not be resumed: its store is unreachable.', {
    retryAfterMs: 1000,
  });
}

/**
 * Polling (XRANGE from the last entry seen, exclusive) instead of XREAD BLOCK: a blocking read would
 * hold a connection of its own per reader and outlast the client's command timeout, and this path is
 * only taken by a reconnect that landed on another instance. Each poll also renews `attached`, which
 * tells the running instance that its stream still has a reader, so its grace period does not end it.
 */
export async function tailRemote(context: TailContext, input: TailInput, sink: TailSink): Promise<Detach> {
  const { redis, keys, pollMs } = context;
  let owner: string | null;
  try {
    owner = await redis.get(keys.owner);
  } catch {
    throw storeUnreachable();
  }
  if (owner === null || owner !== input.owner) throw streamExpiredError();

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastId = '-';
  let expected = input.afterSeq + 1;
  const stop = (end?: Parameters<TailSink['end']>[0]) => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    if (end) sink.end(end);
  };

  /** Delivers one entry's fields; true when the stream ended (or cannot go on) with it. */
  const deliver = (fields: string[]): boolean => {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i] ?? '';
      const value = fields[i + 1] ?? '';
      if (name === 'end' || name === 'fail') {
        stop(name === 'end' ? { kind: 'end' } : { kind: 'fail', error: errorFromText(value) });
        return true;
      }
      const texts = value.split(SEPARATOR);
      const first = Number(name);
      // Entries before this one were trimmed (MAXLEN): the events right after afterSeq are gone.
      if (first > expected) {
        stop({ kind: 'fail', error: streamExpiredError() });
        return true;
      }
      for (let at = expected - first; at < texts.length; at += 1) {
        const text = texts[at] ?? '';
        sink.entry({ seq: first + at, event: { chunk: JSON.parse(text) as ChatCompletionChunk, text } });
      }
      expected = Math.max(expected, first + texts.length);
    }
    return false;
  };

  const poll = async () => {
    if (stopped) return;
    try {
      const [[, entries], [, exists]] = ((await redis
        .pipeline()
        .xrange(keys.events, lastId === '-' ? '-' : `(${lastId}`, '+', 'COUNT', PAGE)
        .exists(keys.owner)
        .set(keys.attached, '1', 'PX', Math.max(1000, pollMs * 20))
        .exec()) ?? []) as [[unknown, [string, string[]][]], [unknown, number]];
      for (const [id, fields] of entries ?? []) {
        lastId = id;
        if (deliver(fields) || stopped) return;
      }
      if ((entries?.length ?? 0) === 0 && exists === 0) {
        stop({ kind: 'fail', error: streamExpiredError() });
        return;
      }
      timer = setTimeout(poll, (entries?.length ?? 0) === PAGE ? 0 : pollMs);
    } catch {
      stop({ kind: 'fail', error: storeUnreachable() });
    }
  };
  void poll();
  return () => stop();
}
