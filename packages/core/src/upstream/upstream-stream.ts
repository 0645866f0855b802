// Reads an upstream SSE body push-style: socket bytes → SSE events → typed chunks handed to one sink, no promise per chunk.
import { clientClosedError, GatewayError } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';
import { decodeChunkEvent } from '../sse/chunk-decoder.js';
import { SseEvents } from '../sse/sse-events.js';
import type { StreamEvent, StreamSink, StreamSource } from '../stream/stream-event.js';
import { type StreamDeadlines, startStreamDeadlines } from './stream-deadlines.js';
import { errorFromThrown } from './upstream-errors.js';
import type { PushBody, PushBodyReader } from './upstream-exchange.js';

/** An open upstream stream. `first()` is asked once, before `start()`, which delivers the rest. */
export interface UpstreamStream extends StreamSource {
  /** The first event; undefined when the stream ended without one; rejects with its failure. */
  first(): Promise<StreamEvent | undefined>;
}

export interface UpstreamStreamOptions {
  body: PushBody;
  /** The caller's signal: aborting it ends the stream with `client_closed_request` and closes the socket. */
  signal: CallSignal | undefined;
  idleTimeoutMs: number | undefined;
  maxDurationMs: number | undefined;
  now: () => number;
}

/** After [DONE], at most this much of the rest is read so the keep-alive connection can be reused. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

const cutShort = () =>
  new GatewayError('upstream_bad_response', 'The upstream stream ended before it was complete.');

function deadlinesFor(
  options: UpstreamStreamOptions,
  onExpire: (error: GatewayError) => void,
): StreamDeadlines | undefined {
  const { idleTimeoutMs, maxDurationMs, now } = options;
  if (idleTimeoutMs === undefined && maxDurationMs === undefined) return undefined;
  return startStreamDeadlines({ idleTimeoutMs, maxDurationMs, now, onExpire });
}

type Outcome = { error: unknown } | { error: undefined };

/**
 * A stream that stops before any finish_reason or [DONE] was cut off: it fails, never ends cleanly.
 * The idle clock runs only while the gateway waits for the upstream (not while a slow consumer has
 * paused it), as the deadlines module expects. One object per open stream with its methods on the
 * prototype (it is the body's reader too): a closure per step was a dozen more objects alive per
 * stream, copied again by every young-generation GC while the stream lasts.
 */
class UpstreamStreamReader implements UpstreamStream, PushBodyReader {
  readonly #body: PushBody;
  readonly #signal: CallSignal | undefined;
  readonly #deadlines: StreamDeadlines | undefined;
  readonly #parser = new SseEvents();
  readonly #pending: StreamEvent[] = [];
  #sink: StreamSink | undefined;
  #outcome: Outcome | undefined;
  #complete = false;
  #closed = false;
  #paused = false;
  #firstWaiter: { resolve(event: StreamEvent | undefined): void; reject(error: unknown): void } | undefined;
  readonly #onAbort = () => this.#finish(clientClosedError());

  constructor(options: UpstreamStreamOptions) {
    this.#body = options.body;
    this.#signal = options.signal;
    this.#deadlines = deadlinesFor(options, (error) => this.#finish(error));
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#body.read(this);
    if (this.#outcome === undefined) this.#deadlines?.waiting();
    if (this.#signal?.aborted) this.#onAbort();
  }

  // PushBodyReader: the socket's bytes.
  data(bytes: Buffer): void {
    this.#deadlines?.received();
    for (const data of this.#parser.feed(bytes)) if (!this.#handle(data)) return;
    if (!this.#paused) this.#deadlines?.waiting();
  }

  end(): void {
    for (const data of this.#parser.end()) if (!this.#handle(data)) return;
    this.#finish(this.#complete ? undefined : cutShort());
  }

  error(error: unknown): void {
    this.#finish(errorFromThrown(error, false));
  }

  // UpstreamStream
  first(): Promise<StreamEvent | undefined> {
    if (this.#pending.length > 0) return Promise.resolve(this.#pending.shift());
    const outcome = this.#outcome;
    if (outcome !== undefined) {
      return outcome.error === undefined ? Promise.resolve(undefined) : Promise.reject(outcome.error);
    }
    return new Promise((resolve, reject) => {
      this.#firstWaiter = { resolve, reject };
    });
  }

  start(target: StreamSink): void {
    this.#sink = target;
    while (this.#pending.length > 0 && !this.#closed) {
      const event = this.#pending.shift();
      if (event) target.event(event);
    }
    if (this.#outcome !== undefined) this.#settle(target);
    else if (!this.#paused) this.#body.resume();
  }

  pause(): void {
    if (this.#paused || this.#outcome !== undefined) return;
    this.#paused = true;
    this.#deadlines?.received();
    this.#body.pause();
  }

  resume(): void {
    if (!this.#paused || this.#outcome !== undefined) return;
    this.#paused = false;
    this.#deadlines?.waiting();
    this.#body.resume();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#outcome === undefined) {
      this.#outcome = { error: clientClosedError() };
      this.#cleanUp();
      this.#body.destroy();
    }
  }

  #cleanUp(): void {
    this.#deadlines?.dispose();
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  /** Ends reading once; the sink hears of it when the events before it are delivered. */
  #finish(error?: unknown): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = { error };
    this.#cleanUp();
    if (this.#complete && error === undefined) this.#body.drain(DRAIN_LIMIT_BYTES);
    else this.#body.destroy();
    const waiter = this.#firstWaiter;
    if (waiter) {
      this.#firstWaiter = undefined;
      if (error === undefined) waiter.resolve(this.#pending.shift());
      else waiter.reject(error);
    }
    if (this.#sink && this.#pending.length === 0) this.#settle(this.#sink);
  }

  #settle(target: StreamSink): void {
    const outcome = this.#outcome;
    if (this.#closed || outcome === undefined) return;
    if (outcome.error === undefined) target.end();
    else target.fail(outcome.error);
  }

  #deliver(event: StreamEvent): void {
    if (this.#sink) {
      this.#sink.event(event);
      return;
    }
    this.#pending.push(event);
    const waiter = this.#firstWaiter;
    if (waiter) {
      this.#firstWaiter = undefined;
      waiter.resolve(this.#pending.shift());
    }
    // Nobody reads yet: hold the socket rather than the bytes.
    if (!this.#paused) this.#body.pause();
  }

  /** False once reading must stop (the end, a failure, or the consumer closed in its callback). */
  #handle(data: string): boolean {
    let decoded: ReturnType<typeof decodeChunkEvent>;
    try {
      decoded = decodeChunkEvent(data);
    } catch (error) {
      this.#finish(error);
      return false;
    }
    if (decoded === 'done') {
      this.#complete = true;
      this.#finish();
      return false;
    }
    if (!this.#complete) {
      for (const choice of decoded.choices) if (choice.finish_reason != null) this.#complete = true;
    }
    this.#deliver({ chunk: decoded, text: data });
    return !this.#closed && this.#outcome === undefined;
  }
}

export function readUpstreamStream(options: UpstreamStreamOptions): UpstreamStream {
  return new UpstreamStreamReader(options);
}
