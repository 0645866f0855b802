// One in-flight upstream call shared by every identical request (coalescing), for JSON and for streams.
import { type ChatCompletionChunk, clientClosedError, GatewayError } from '@llm-gateway/contracts';
import { type Answer, serializeAnswer } from '../completion/answer-text.js';
import { ChunkAssembler } from '../completion/assemble-chunks.js';
import { CallAbort, type CallSignal } from '../signal/call-signal.js';
import type { StreamEvent, StreamSink, StreamSource } from '../stream/stream-event.js';
import { isUsageChunk } from './answer-shaping.js';
import { deltaChars } from './chunk-content.js';
import type { Served } from './fetch-answer.js';

type Produce<T> = (signal: CallSignal) => Promise<T>;

interface Subscriber {
  sink: StreamSink;
  /** False: the subscriber did not ask for usage, so the usage chunk the flight asked for is skipped. */
  includeUsage: boolean;
}

/**
 * A recorded event replayed to a late joiner. The flight keeps only the events' texts (an object per
 * event kept for a whole stream is live data every young-generation GC copies, times every open
 * stream); a late joiner that reads `chunk` (tRPC) parses the text again, once.
 */
class RecordedEvent implements StreamEvent {
  readonly text: string;
  #chunk: ChatCompletionChunk | undefined;

  constructor(text: string) {
    this.text = text;
  }

  get chunk(): ChatCompletionChunk {
    this.#chunk ??= JSON.parse(this.text) as ChatCompletionChunk;
    return this.#chunk;
  }
}

const streamCutShort = () =>
  new GatewayError('upstream_bad_response', 'The upstream stream ended before it was complete.');

/** Resolves with `promise`, or rejects with client_closed_request as soon as `signal` aborts. */
function until<T>(promise: Promise<T>, signal: CallSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(clientClosedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(clientClosedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A shared upstream call. Subscribers join at any time: stream subscribers get every event from the
 * start (recorded as they pass, each relayed as the upstream's own text), JSON subscribers the answer.
 * The events are folded into a completion once, at the end, for the cache and the JSON subscribers. The
 * call is aborted only when nobody listens any more.
 */
export class Flight {
  readonly kind: 'json' | 'stream';
  /** Resolves with the complete answer (undefined when the call failed, was cut off or abandoned). */
  readonly done: Promise<Answer | undefined>;
  /** Settles once the first event is in (a stream) or the answer (JSON); rejects when it fails first. */
  readonly opened: Promise<void>;
  /** Everyone left and the call was aborted: a newcomer must start its own call, not join this one. */
  abandoned = false;
  /** Who answered (known once the call opened): a follower reports the same upstream. */
  served: Served | undefined;
  readonly #controller = new CallAbort();
  /** The text of every event so far, for late joiners. */
  readonly #events: string[] = [];
  /** Positions in #events of usage chunks (skipped for a joiner that did not ask for usage). */
  readonly #usageEvents: number[] = [];
  readonly #assembler = new ChunkAssembler();
  readonly #subscribers = new Set<Subscriber>();
  #listeners = 0;
  #settled: { answer: Answer | undefined } | { error: unknown } | undefined;
  #markOpened: (() => void) | undefined;
  #failOpening: ((error: unknown) => void) | undefined;

  private constructor(kind: 'json' | 'stream') {
    this.kind = kind;
    this.opened = new Promise<void>((resolve, reject) => {
      this.#markOpened = resolve;
      this.#failOpening = reject;
    });
    // A flight nobody waits to open (JSON) must not report an unhandled rejection.
    this.opened.catch(() => undefined);
    let finished: (answer: Answer | undefined) => void = () => {};
    this.done = new Promise((resolve) => {
      finished = resolve;
    });
    this.#finished = finished;
  }

  readonly #finished: (answer: Answer | undefined) => void;

  /** A flight for one non-stream upstream call. */
  static json(produce: Produce<{ answer: Answer; served?: Served }>): Flight {
    const flight = new Flight('json');
    produce(flight.#controller.signal).then(
      ({ answer, served }) => {
        flight.served = served;
        flight.#settle({ answer });
      },
      (error: unknown) => flight.#settle({ error }),
    );
    return flight;
  }

  /** A flight for one upstream stream; `produce` resolves once the stream's first event is in hand. */
  static stream(produce: Produce<{ source: StreamSource; served?: Served }>): Flight {
    const flight = new Flight('stream');
    produce(flight.#controller.signal).then(
      ({ source, served }) => {
        flight.served = served;
        source.start(flight.#sink);
      },
      (error: unknown) => flight.#settle({ error }),
    );
    return flight;
  }

  /** Where the upstream's events arrive: recorded, folded, and passed on to every subscriber. */
  readonly #sink: StreamSink = {
    event: (event) => {
      // Told once per event, for the record and for every subscriber that did not ask for usage.
      const usage = isUsageChunk(event.chunk);
      if (usage) this.#usageEvents.push(this.#events.length);
      this.#events.push(event.text);
      this.#assembler.push(event.chunk);
      if (this.#events.length === 1) this.#markOpened?.();
      for (const subscriber of this.#subscribers) {
        if (subscriber.includeUsage || !usage) subscriber.sink.event(event);
      }
    },
    end: () => {
      // Folded once, at the end: the answer JSON subscribers and the cache get.
      const folded = this.#assembler.result();
      this.#settle(
        folded === undefined && this.#events.length === 0
          ? { error: streamCutShort() }
          : {
              answer:
                folded === undefined ? undefined : { completion: folded, text: serializeAnswer(folded) },
            },
      );
    },
    fail: (error) => this.#settle({ error }),
  };

  #settle(outcome: { answer: Answer | undefined } | { error: unknown }): void {
    if (this.#settled !== undefined) return;
    this.#settled = outcome;
    if ('error' in outcome) this.#failOpening?.(outcome.error);
    else this.#markOpened?.();
    for (const subscriber of this.#subscribers) {
      if ('error' in outcome) subscriber.sink.fail(outcome.error);
      else subscriber.sink.end();
    }
    this.#subscribers.clear();
    this.#finished('error' in outcome ? undefined : outcome.answer);
  }

  /** Events the upstream has sent so far (none for a JSON flight). */
  get eventCount(): number {
    return this.#events.length;
  }

  /** Characters of text relayed so far, for the estimate of a stream cut short (parses the recorded events again). */
  outputChars(): number {
    let chars = 0;
    for (const text of this.#events) chars += deltaChars(JSON.parse(text) as ChatCompletionChunk);
    return chars;
  }

  /** Counted from the moment a caller commits to this flight, so a caller that leaves can stop it. */
  #join(): void {
    this.#listeners += 1;
  }

  /** Stops the upstream call when the last listener has gone. */
  #leave(): void {
    this.#listeners -= 1;
    if (this.#listeners === 0 && this.#settled === undefined) {
      this.abandoned = true;
      this.#controller.abort();
    }
  }

  /**
   * A stream subscription: every event from the first (replayed, then live), then the end or the call's
   * failure. Counted as a listener from now on; `close()` leaves. A shared stream ignores one
   * subscriber's backpressure (each socket buffers what it is sent).
   */
  subscribe(includeUsage: boolean): StreamSource {
    this.#join();
    let subscriber: Subscriber | undefined;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      if (subscriber) this.#subscribers.delete(subscriber);
      this.#leave();
    };
    return {
      start: (sink) => {
        const own = { sink, includeUsage };
        const events = this.#events;
        for (let at = 0; at < events.length; at += 1) {
          if (includeUsage || !this.#usageEvents.includes(at))
            sink.event(new RecordedEvent(events[at] as string));
        }
        const settled = this.#settled;
        if (settled === undefined) {
          subscriber = own;
          this.#subscribers.add(own);
        } else if ('error' in settled) sink.fail(settled.error);
        else sink.end();
      },
      pause: () => {},
      resume: () => {},
      close: leave,
    };
  }

  /** Resolves once the call has something to show (see `opened`); client_closed_request when `signal` aborts first. */
  openedFor(signal: CallSignal | undefined): Promise<void> {
    return until(this.opened, signal);
  }

  /** The whole answer; throws the call's error, or client_closed_request when `signal` aborts first. */
  async completionFor(signal: CallSignal | undefined): Promise<Answer> {
    this.#join();
    try {
      const answer = await until(this.done, signal);
      if (answer !== undefined) return answer;
      const settled = this.#settled;
      if (settled !== undefined && 'error' in settled) throw settled.error;
      throw streamCutShort();
    } finally {
      this.#leave();
    }
  }
}

/** The registry of in-flight calls by cache key; a flight leaves it as soon as it settles. */
export class FlightRegistry {
  readonly #flights = new Map<string, Flight>();

  get(key: string): Flight | undefined {
    const flight = this.#flights.get(key);
    return flight?.abandoned ? undefined : flight;
  }

  /** Registers a flight that `start` creates (Flight.json or Flight.stream). */
  start(key: string, flight: Flight): Flight {
    this.#flights.set(key, flight);
    void flight.done.then(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    return flight;
  }

  get size(): number {
    return this.#flights.size;
  }
}
