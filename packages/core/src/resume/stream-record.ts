// One recorded stream in this instance's memory: its events with sequence numbers, its end, the tails reading it.
import type { StreamEvent } from '../stream/stream-event.js';
import type { Detach, JournalEnd, TailSink } from './resume-types.js';

export interface StreamRecord {
  readonly id: string;
  /** The API key id that started the stream ('' when keys are off): only it may read or cancel it. */
  readonly owner: string;
  /** The sequence number of the last event recorded (0: none yet). */
  lastSeq(): number;
  /** How the stream ended; undefined while it runs. */
  ended(): JournalEnd | undefined;
  /** Records the next event and pushes it to every tail; returns its sequence number. */
  append(event: StreamEvent): number;
  /** Records the end and pushes it to every tail (once; later calls are ignored). */
  finish(end: JournalEnd): void;
  /**
   * Pushes every event after `afterSeq` (what is recorded at once, the rest as it comes), then the end.
   * Undefined when the events right after `afterSeq` were already dropped (the record hit its cap).
   */
  tail(afterSeq: number, sink: TailSink): Detach | undefined;
  /** Tails reading now. */
  tails(): number;
  /** The recorded events' text, in characters: what the record holds in memory (about a byte each). */
  size(): number;
}

export interface StreamRecordOptions {
  id: string;
  owner: string;
  /** Events kept at most; past it the oldest quarter is dropped (a resume from there fails as expired). */
  maxEvents: number;
}

/**
 * An array of events and a set of tails. A relayed event costs a push and one small entry object per
 * tail; the array is the replay for a reconnect that lands on this instance.
 */
export function createStreamRecord({ id, owner, maxEvents }: StreamRecordOptions): StreamRecord {
  const events: StreamEvent[] = [];
  /** The sequence number of events[0]. */
  let firstSeq = 1;
  let end: JournalEnd | undefined;
  let size = 0;
  const sinks = new Set<TailSink>();
  const lastSeq = () => firstSeq + events.length - 1;

  return {
    id,
    owner,
    lastSeq,
    ended: () => end,
    append(event) {
      if (events.length >= maxEvents) {
        const drop = Math.max(1, Math.floor(maxEvents / 4));
        for (const dropped of events.splice(0, drop)) size -= dropped.text.length;
        firstSeq += drop;
      }
      events.push(event);
      size += event.text.length;
      const seq = lastSeq();
      for (const sink of sinks) sink.entry({ seq, event });
      return seq;
    },
    finish(how) {
      if (end !== undefined) return;
      end = how;
      const reading = [...sinks];
      sinks.clear();
      for (const sink of reading) sink.end(how);
    },
    tail(afterSeq, sink) {
      const from = Math.max(afterSeq + 1, 1);
      if (from < firstSeq) return undefined;
      // Replay what is recorded, then follow: both happen before any other event can be appended.
      for (let seq = from; seq <= lastSeq(); seq += 1) {
        const event = events[seq - firstSeq];
        if (event !== undefined) sink.entry({ seq, event });
      }
      if (end !== undefined) sink.end(end);
      else sinks.add(sink);
      return () => {
        sinks.delete(sink);
      };
    },
    tails: () => sinks.size,
    size: () => size,
  };
}
