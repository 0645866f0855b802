// Resumable streams: each runs on its own, recorded as it passes, and any connection may read it from an event id.
import { clientClosedError } from '@llm-gateway/contracts';
import type { ChatStream } from '../chat/chat-types.js';
import type { CallSignal } from '../signal/call-signal.js';
import { streamExpiredError } from './journal-errors.js';
import type { JournalWriter, RedisJournal } from './redis-journal.js';
import type { Detach, JournalEnd, TailSink } from './resume-types.js';
import { createStreamRecord, type StreamRecord } from './stream-record.js';

export interface ResumableStreamsOptions {
  /** How long a finished stream stays readable (STREAM_RESUME_TTL_S). */
  ttlMs: number;
  /** How long a stream nobody reads keeps its upstream call open for a reconnect (STREAM_RESUME_GRACE_MS). */
  graceMs: number;
  /** Events one stream keeps in memory at most (default 10 000). */
  maxEvents?: number;
  /**
   * The finished streams' recorded text kept in memory at most, in characters (STREAM_RESUME_MAX_BYTES,
   * default 64 MiB): past it the oldest finished streams are dropped before their TTL (still readable
   * from Redis when configured). Running streams are never dropped; each is bounded by maxEvents.
   */
  maxFinishedSize?: number;
  /** The copy in Redis, when configured: a reconnect may then land on another instance. */
  redis?: RedisJournal | undefined;
  /** How often a stream in its grace period asks Redis for a cancel or a reader elsewhere (default 250 ms). */
  watchMs?: number;
}

/** 64 MiB of event text: some hundreds of long finished answers, far below the gateway's memory goal. */
export const DEFAULT_MAX_FINISHED_SIZE = 64 * 1024 * 1024;

export interface StartInput {
  /** Unguessable (a ticket's or a fresh UUID): it is what a reconnect names. */
  id: string;
  /** The API key id that started it; undefined when keys are off. */
  owner: string | undefined;
  stream: ChatStream;
  /**
   * The call's own signal (the shutdown deadline): aborting ends the stream with `failure(client closed)`,
   * heard here because a shared (coalesced) stream does not hear of one caller's signal.
   */
  signal?: CallSignal | undefined;
  /** What the record keeps for a failure (e.g. `shutting_down` when the shutdown deadline cut it). */
  failure?: (error: unknown) => unknown;
  /** Runs once when the stream is over, however it ended. */
  onFinish?: () => void;
}

export interface AttachInput {
  id: string;
  owner: string | undefined;
  /** The last event id the reader has (0: none): it gets every event after it. */
  afterSeq: number;
}

export interface ResumableStreams {
  /** Starts recording `stream`; it runs until its end, a cancel, or a grace period with no reader. */
  start(input: StartInput): void;
  /**
   * Follows a stream from `afterSeq`: the recorded events at once, then the rest, then the end. Rejects
   * with `stream_expired` when there is no such stream for this owner (never was, expired, or the
   * events after `afterSeq` are gone).
   */
  attach(input: AttachInput, sink: TailSink): Promise<Detach>;
  /** Ends a stream on purpose (the caller stopped): its upstream call closes now. False if unknown. */
  cancel(id: string, owner: string | undefined): Promise<boolean>;
  /** Streams running on this instance. */
  running(): number;
  /** Stops every stream (shutdown). */
  close(): void;
}

interface LiveStream {
  record: StreamRecord;
  stream: ChatStream | undefined;
  writer: JournalWriter | undefined;
  finish(end: JournalEnd): void;
  grace: NodeJS.Timeout | undefined;
  /** With Redis: when the grace period ends unless a reader shows up somewhere. */
  graceDeadline: number;
}

/**
 * The stream is detached from the connection that asked for it: a dropped connection starts the grace
 * period instead of closing the upstream; only an explicit cancel, or no reader for the whole grace
 * period, does. Finished streams are dropped from memory `ttlMs` after their end (and expire in Redis).
 */
export function createResumableStreams(options: ResumableStreamsOptions): ResumableStreams {
  const { ttlMs, graceMs, maxEvents = 10_000, redis, watchMs = 250 } = options;
  const maxFinishedSize = options.maxFinishedSize ?? DEFAULT_MAX_FINISHED_SIZE;
  const streams = new Map<string, LiveStream>();
  /** The recorded text of the finished streams still in `streams`. */
  let finishedSize = 0;

  const forget = (id: string, live: LiveStream) => {
    if (streams.get(id) !== live) return;
    streams.delete(id);
    finishedSize -= live.record.size();
  };
  /** Drops finished streams, oldest first (the Map keeps start order), until under the budget. */
  const trim = () => {
    for (const [id, live] of streams) {
      if (finishedSize <= maxFinishedSize) return;
      if (live.record.ended() !== undefined) forget(id, live);
    }
  };

  const stopGrace = (live: LiveStream) => {
    clearTimeout(live.grace);
    live.grace = undefined;
  };
  const cancelLive = (live: LiveStream) => {
    const { stream } = live;
    live.stream = undefined;
    stream?.cancel();
    live.finish({ kind: 'fail', error: clientClosedError({ message: 'The stream was cancelled.' }) });
  };
  const watch = (live: LiveStream) => {
    live.grace = undefined;
    if (live.stream === undefined || live.record.tails() > 0) return;
    void redis?.watch(live.record.id).then((seen) => {
      if (live.stream === undefined || live.record.tails() > 0) return;
      if (seen.cancelled) return cancelLive(live);
      if (seen.attached) live.graceDeadline = Date.now() + graceMs;
      if (Date.now() >= live.graceDeadline) return cancelLive(live);
      live.grace = setTimeout(() => watch(live), watchMs);
      live.grace.unref();
    });
  };
  const startGrace = (live: LiveStream) => {
    if (live.stream === undefined || live.grace !== undefined) return;
    if (redis) {
      live.graceDeadline = Date.now() + graceMs;
      live.grace = setTimeout(() => watch(live), Math.min(watchMs, graceMs));
    } else {
      live.grace = setTimeout(() => {
        live.grace = undefined;
        if (live.record.tails() === 0) cancelLive(live);
      }, graceMs);
    }
    live.grace.unref();
  };

  const attachLocal = (live: LiveStream, afterSeq: number, sink: TailSink): Detach => {
    const detachRecord = live.record.tail(afterSeq, sink);
    if (detachRecord === undefined) throw streamExpiredError();
    stopGrace(live);
    return () => {
      detachRecord();
      if (live.record.tails() === 0) startGrace(live);
    };
  };

  return {
    start({ id, owner = '', stream, signal, failure = (error) => error, onFinish }) {
      const record = createStreamRecord({ id, owner, maxEvents });
      const writer = redis?.writer(id, owner);
      const live: LiveStream = {
        record,
        stream,
        writer,
        grace: undefined,
        graceDeadline: 0,
        finish(end) {
          if (record.ended() !== undefined) return;
          signal?.removeEventListener('abort', onAbort);
          const running = live.stream;
          live.stream = undefined;
          if (end.kind === 'fail') running?.cancel();
          stopGrace(live);
          record.finish(end);
          writer?.finish(end);
          onFinish?.();
          finishedSize += record.size();
          trim();
          setTimeout(() => forget(id, live), ttlMs).unref();
        },
      };
      function onAbort() {
        live.finish({ kind: 'fail', error: failure(clientClosedError()) });
      }
      streams.set(id, live);
      startGrace(live);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      stream.pipe({
        event: (event) => {
          if (live.stream === undefined) return;
          const seq = record.append(event);
          writer?.append(seq, event.text);
        },
        end: () => live.finish({ kind: 'end' }),
        fail: (error) => live.finish({ kind: 'fail', error: failure(error) }),
      });
    },
    async attach({ id, owner = '', afterSeq }, sink) {
      const live = streams.get(id);
      if (live !== undefined) {
        if (live.record.owner !== owner) throw streamExpiredError();
        return attachLocal(live, afterSeq, sink);
      }
      if (redis === undefined) throw streamExpiredError();
      return redis.tail({ id, owner, afterSeq }, sink);
    },
    async cancel(id, owner = '') {
      const live = streams.get(id);
      if (live !== undefined) {
        if (live.record.owner !== owner) return false;
        cancelLive(live);
        return true;
      }
      return redis === undefined ? false : redis.requestCancel(id, owner);
    },
    running: () => [...streams.values()].filter((live) => live.stream !== undefined).length,
    close() {
      for (const live of streams.values()) if (live.stream !== undefined) cancelLive(live);
    },
  };
}
