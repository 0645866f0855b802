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
  /** Events are written at most this often, several per XADD (default 20 ms). */
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
 * Layout: `<prefix>{id}` is a Redis Stream whose entries each carry a batch of events as field/value
 * pairs (`<seq>` → the event's text), and last an `end` or `fail` field; `<prefix>{id}:owner` names the
 * key that may read it. One XADD per batch, pipelined with the expiry, keeps the per-event cost to
 * the array push and its share of one command.
 */
export function createRedisJournal(options: RedisJournalOptions): RedisJournal {
  const { redis, keyPrefix, ttlMs, flushMs = 20, pollMs = 50, onError = () => {} } = options;
  const maxEntries = String(options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const failed = (error: unknown) => onError(error);

  const writer = (id: string, owner: string): JournalWriter => {
    const keys = streamKeys(keyPrefix, id);
    let pending: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    redis.set(keys.owner, owner, 'PX', LIVE_KEEP_MS).catch(failed);
    const flush = (keepMs: number) => {
      timer = undefined;
      if (pending.length === 0) return;
      const fields = pending;
      pending = [];
      redis
        .pipeline()
        .xadd(keys.events, 'MAXLEN', '~', maxEntries, '*', ...fields)
        .pexpire(keys.events, keepMs)
        .pexpire(keys.owner, keepMs)
        .exec()
        .then((results) => {
          const error = results?.find(([err]) => err !== null)?.[0];
          if (error) failed(error);
        }, failed);
    };
    return {
      append(seq, text) {
        pending.push(String(seq), text);
        timer ??= setTimeout(() => flush(LIVE_KEEP_MS), flushMs);
      },
      finish(end) {
        clearTimeout(timer);
        if (end.kind === 'end') pending.push('end', '');
        else pending.push('fail', errorToText(end.error));
        flush(ttlMs);
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
