// Reads an upstream SSE body push-style: socket bytes → SSE events → typed chunks handed to one sink, no promise per chunk.
import { clientClosedError, GatewayError } from '@llm-gateway/contracts';
import type { CallSignal } from '../signal/call-signal.js';
import { decodeChunkEvent } from '../sse/chunk-decoder.js';
import { SseEvents } from '../sse/sse-events.js';
import type { StreamEvent, StreamSink, StreamSource } from '../stream/stream-event.js';
import { type StreamDeadlines, startStreamDeadlines } from './stream-deadlines.js';
import { errorFromThrown } from './upstream-errors.js';
import type { PushBody } from './upstream-exchange.js';

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

/**
 * A stream that stops before any finish_reason or [DONE] was cut off: it fails, never ends cleanly.
 * The idle clock runs only while the gateway waits for the upstream (not while a slow consumer has
 * paused it), as the deadlines module expects.
 */
export function readUpstreamStream(options: UpstreamStreamOptions): UpstreamStream {
  const { body, signal } = options;
  const deadlines = deadlinesFor(options, (error) => finish(error));
  const parser = new SseEvents();
  const pending: StreamEvent[] = [];
  let sink: StreamSink | undefined;
  let outcome: { error: unknown } | { error: undefined } | undefined;
  let complete = false;
  let closed = false;
  let paused = false;
  let firstWaiter:
    | { resolve(event: StreamEvent | undefined): void; reject(error: unknown): void }
    | undefined;

  function cleanUp(): void {
    deadlines?.dispose();
    signal?.removeEventListener('abort', onAbort);
  }

  /** Ends reading once; the sink hears of it when the events before it are delivered. */
  function finish(error?: unknown): void {
    if (outcome !== undefined) return;
    outcome = { error };
    cleanUp();
    if (complete && error === undefined) body.drain(DRAIN_LIMIT_BYTES);
    else body.destroy();
    if (firstWaiter) {
      const waiter = firstWaiter;
      firstWaiter = undefined;
      if (error === undefined) waiter.resolve(pending.shift());
      else waiter.reject(error);
    }
    if (sink && pending.length === 0) settle(sink);
  }

  function settle(target: StreamSink): void {
    if (closed || outcome === undefined) return;
    if (outcome.error === undefined) target.end();
    else target.fail(outcome.error);
  }

  function deliver(event: StreamEvent): void {
    if (sink) {
      sink.event(event);
      return;
    }
    pending.push(event);
    if (firstWaiter) {
      const waiter = firstWaiter;
      firstWaiter = undefined;
      waiter.resolve(pending.shift());
    }
    // Nobody reads yet: hold the socket rather than the bytes.
    if (!paused) body.pause();
  }

  /** False once reading must stop (the end, a failure, or the consumer closed in its callback). */
  function handle(data: string): boolean {
    let decoded: ReturnType<typeof decodeChunkEvent>;
    try {
      decoded = decodeChunkEvent(data);
    } catch (error) {
      finish(error);
      return false;
    }
    if (decoded === 'done') {
      complete = true;
      finish();
      return false;
    }
    if (!complete) {
      for (const choice of decoded.choices) if (choice.finish_reason != null) complete = true;
    }
    deliver({ chunk: decoded, text: data });
    return !closed && outcome === undefined;
  }

  function onData(bytes: Buffer): void {
    deadlines?.received();
    for (const data of parser.feed(bytes)) if (!handle(data)) return;
    if (!paused) deadlines?.waiting();
  }

  function onEnd(): void {
    for (const data of parser.end()) if (!handle(data)) return;
    finish(complete ? undefined : cutShort());
  }

  function onError(error: unknown): void {
    finish(errorFromThrown(error, false));
  }

  function onAbort(): void {
    finish(clientClosedError());
  }

  signal?.addEventListener('abort', onAbort, { once: true });
  body.read({ data: onData, end: onEnd, error: onError });
  if (outcome === undefined) deadlines?.waiting();
  if (signal?.aborted) onAbort();

  return {
    first() {
      if (pending.length > 0) return Promise.resolve(pending.shift());
      if (outcome !== undefined) {
        return outcome.error === undefined ? Promise.resolve(undefined) : Promise.reject(outcome.error);
      }
      return new Promise((resolve, reject) => {
        firstWaiter = { resolve, reject };
      });
    },

    start(target) {
      sink = target;
      while (pending.length > 0 && !closed) {
        const event = pending.shift();
        if (event) target.event(event);
      }
      if (outcome !== undefined) settle(target);
      else if (!paused) body.resume();
    },

    pause() {
      if (paused || outcome !== undefined) return;
      paused = true;
      deadlines?.received();
      body.pause();
    },

    resume() {
      if (!paused || outcome !== undefined) return;
      paused = false;
      deadlines?.waiting();
      body.resume();
    },

    close() {
      if (closed) return;
      closed = true;
      if (outcome === undefined) {
        outcome = { error: clientClosedError() };
        cleanUp();
        body.destroy();
      }
    },
  };
}
