// A recorded stream's copy in Redis (a Redis Stream per stream id), so a reconnect may land on another instance.
import { GatewayError } from '@llm-gateway/contracts';
import type { Cluster, Redis } from 'ioredis';
import { errorToText } from './journal-errors.js';
import { type RemoteTail, tailRemote } from './redis-tail.js';
import type { JournalEnd } from './resume-types.js';

export interface RedisJournalOptions {
  redis: Redis | Cluster;
  /** e.g. `llm-gateway:resume:`; each stream's keys add `{<id>}` (one hash tag: one Cluster slot). */
  keyPrefix: string;
  /** How long a finished stream's events stay readable. */
  ttlMs: number;
  /** Entries a stream keeps at most (`XADD … MAXLEN ~`); each entry holds one batch of events. */
  maxEntries?: number;
  /** Events are written at most this often, several per XADD (default 100 ms). */
  flushMs?: number;
  /** How often a reader on another instance looks for new entries (default 50 ms). */
  pollMs?: number;
  /** A write or read failed (Redis down): resumption degrades to the instance that runs the stream. */
  onError?: (error: unknown) => void;
}

/** The writing side for one stream: `append` costs an array push; a timer sends the batch. */
export interface JournalWriter {
  append(seq: number, text: string): void;
  finish(end: JournalEnd): void;
}

/** What a stream nobody reads on its own instance asks Redis about, while its grace period runs. */
export interface RemoteWatch {
  /** Someone asked (on any instance) to cancel it. */
  cancelled: boolean;
  /** A reader on another instance is following it. */
  attached: boolean;
}

export interface RedisJournal {
  writer(id: string, owner: string): JournalWriter;
  tail: RemoteTail;
  watch(id: string): Promise<RemoteWatch>;
  /** Marks the stream cancelled for the instance that runs it; false if no such stream for this owner. */
  requestCancel(id: string, owner: string): Promise<boolean>;
}

/** Keys a running stream keeps while nothing is written: renewed by every write, far above any idle timeout. */
const LIVE_KEEP_MS = 15 * 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;
/** Between the texts of one batch. */
export const SEPARATOR = '\u0000';
/** How often a running stream's expiry is pushed back (well inside LIVE_KEEP_MS). */
const RENEW_EVERY_MS = 60_000;

/** One writer's batch waiting for the next flush. */
interface PendingWrites {
  keys: StreamKeys;
  /** The sequence number of texts[0]. */
  firstSeq: number;
  texts: string[];
  /** `end`/`fail` and its value, once the stream ended. */
  ended: [string, string] | undefined;
  renewedAt: number;
  ending: boolean;
}

/** The keys of one stream, all under one hash tag. */
export interface StreamKeys {
  events: string;
  owner: string;
  cancel: string;
  attached: string;
}

export function streamKeys(keyPrefix: string, id: string): StreamKeys {
  const base = `${keyPrefix}{${id}}`;
  return { events: base, owner: `${base}:owner`, cancel: `${base}:cancel`, attached: `${base}:attached` };
}

/**
 * Layout: `<prefix>{id}` is a Redis Stream whose entries each carry a batch of events (field: the
 * batch's first sequence number, value: the events' texts), and last an `end` or `fail` field; `<prefix>{id}:owner` names the
 * key that may read it. One timer flushes every stream's batch as one XADD each, so an event costs an
 * array push and its share of one command (measured: scripts/journal-cost.ts).
 */
export function createRedisJournal(options: RedisJournalOptions): RedisJournal {
  const { redis, keyPrefix, ttlMs, flushMs = 100, pollMs = 50, onError = () => {} } = options;
  const maxEntries = String(options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const failed = (error: unknown) => onError(error);
  /** Writers with events waiting; one timer for all of them, not one per stream. */
  const dirty = new Set<PendingWrites>();
  let scheduled = false;

  const send = (writes: PendingWrites) => {
    const fields: string[] = [];
    // A batch is one field (its first sequence number) holding the texts NUL-separated: JSON text
    // never contains a raw NUL, and one field instead of one per event halves the command's cost.
    if (writes.texts.length > 0) fields.push(String(writes.firstSeq), writes.texts.join(SEPARATOR));
    if (writes.ended) fields.push(...writes.ended);
    writes.firstSeq += writes.texts.length;
    writes.texts = [];
    // One command per stream and flush (no MULTI, no cross-key pipeline: each key may live on another
    // Cluster node). The expiry is renewed rarely: a running stream's keys live LIVE_KEEP_MS.
    redis.xadd(writes.keys.events, 'MAXLEN', '~', maxEntries, '*', ...fields).catch(failed);
    const now = Date.now();
    if (writes.ending || now - writes.renewedAt >= RENEW_EVERY_MS) {
      writes.renewedAt = now;
      const keepMs = writes.ending ? ttlMs : LIVE_KEEP_MS;
      redis.pexpire(writes.keys.events, keepMs).catch(failed);
      redis.pexpire(writes.keys.owner, keepMs).catch(failed);
    }
  };
  const flushAll = () => {
    scheduled = false;
    for (const writes of dirty) send(writes);
    dirty.clear();
  };

  const writer = (id: string, owner: string): JournalWriter => {
    const keys = streamKeys(keyPrefix, id);
    const writes: PendingWrites = {
      keys,
      firstSeq: 1,
      texts: [],
      ended: undefined,
      renewedAt: 0,
      ending: false,
    };
    redis.set(keys.owner, owner, 'PX', LIVE_KEEP_MS).catch(failed);
    return {
      append(seq, text) {
        if (writes.texts.length === 0) writes.firstSeq = seq;
        writes.texts.push(text);
        dirty.add(writes);
        if (!scheduled) {
          scheduled = true;
          setTimeout(flushAll, flushMs);
        }
      },
      finish(end) {
        writes.ended = end.kind === 'end' ? ['end', ''] : ['fail', errorToText(end.error)];
        writes.ending = true;
        dirty.delete(writes);
        send(writes);
      },
    };
  };

  return {
    writer,
    tail: (input, sink) => tailRemote({ redis, keys: streamKeys(keyPrefix, input.id), pollMs }, input, sink),
    watch: async (id) => {
      const keys = streamKeys(keyPrefix, id);
      try {
        const [cancelled, attached] = await Promise.all([
          redis.exists(keys.cancel),
          redis.exists(keys.attached),
        ]);
        return { cancelled: cancelled === 1, attached: attached === 1 };
      } catch (error) {
        failed(error);
        return { cancelled: false, attached: false };
      }
    },
    requestCancel: async (id, owner) => {
      const keys = streamKeys(keyPrefix, id);
      try {
        if ((await redis.get(keys.owner)) !== owner) return false;
        await redis.set(keys.cancel, '1', 'PX', LIVE_KEEP_MS);
        return true;
      } catch (error) {
        failed(error);
        throw new GatewayError('overloaded', 'The stream could not be cancelled: its store is unreachable.', {
          retryAfterMs: 1000,
        });
      }
    },
  };
}
