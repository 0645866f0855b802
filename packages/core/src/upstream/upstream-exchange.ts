// One upstream exchange through undici's dispatch() with our own handler: an answer read whole, or a stream's body pushed as it arrives.
import type { Dispatcher } from 'undici';
import type { HeaderReader } from '../resilience/retry-after.js';
import type { CallSignal } from '../signal/call-signal.js';
import { MAX_ERROR_BODY_BYTES } from './upstream-errors.js';

/**
 * Why a handler and not undici's request(): request() makes a Node Readable for every body and takes
 * an AbortSignal, so each call cost a stream, a second AbortController (for our timeout) and their
 * listeners; the profile of a cache miss put that machinery at about a tenth of the gateway's CPU. A
 * handler gets the body's bytes directly, and cancelling is a plain function call.
 */
export interface WholeResponse {
  status: number;
  headers: HeaderReader;
  /** The body; an error body (non-2xx) is cut at `MAX_ERROR_BODY_BYTES` and its connection closed. */
  text: string;
}

/** Where a streamed body's bytes go, in order; exactly one of `end` and `error` comes last. */
export interface PushBodyReader {
  data(chunk: Buffer): void;
  end(): void;
  error(error: unknown): void;
}

/** A 2xx response's body as the socket delivers it (bytes that came before `read` are kept for it). */
export interface PushBody {
  read(reader: PushBodyReader): void;
  /** Stops reading from the socket after the chunk being delivered. */
  pause(): void;
  resume(): void;
  /** Stops reading and closes the connection; the reader hears nothing more. */
  destroy(): void;
  /** Reads and drops up to `limit` more bytes so the connection can be reused; closes it past that. */
  drain(limit: number): void;
}

export interface StreamResponse {
  status: number;
  headers: HeaderReader;
  body: PushBody;
}

export interface ExchangeCall {
  /** The caller's signal: until the answer (or a stream's headers) is in, an abort fails the exchange at once. */
  signal: CallSignal | undefined;
  /** The longest wait for the whole answer, or for a stream's headers; then it fails with `DeadlinePassed`. */
  timeoutMs: number;
}

/** The reason an exchange failed when its `timeoutMs` ran out (see `errorFromThrown`'s `timedOut`). */
export class DeadlinePassed extends Error {
  constructor() {
    super('The upstream did not answer in time.');
    this.name = 'DeadlinePassed';
  }
}

/** The reason when the caller went away, so undici's own abort error does not stand in for it. */
class CallerLeft extends Error {}

/** Raw header pairs (`[name, value, …]`, as undici hands them over) read by name, decoded on demand. */
export function rawHeaderReader(raw: readonly Buffer[]): HeaderReader {
  return {
    get(name) {
      const wanted = name.toLowerCase();
      const values: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (String(raw[i]).toLowerCase() === wanted) values.push(String(raw[i + 1]));
      }
      return values.length === 0 ? null : values.join(', ');
    },
  };
}

const isOk = (status: number) => status >= 200 && status < 300;

const settledAlready = () => {};

/**
 * undici's own handler interface (the newer onRequestStart/onResponse* one is unwrapped into this one
 * by every dispatcher). The promise settles exactly once: a timeout or the caller's abort rejects at
 * once, even while the request still waits for a connection. A streamed 2xx answer resolves at its
 * headers and becomes the PushBody; anything else (an answer, an error status) is collected whole.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler, PushBody {
  readonly #streamed: boolean;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #rawHeaders: Buffer[] = [];
  #abort: ((reason: Error) => void) | undefined;
  #resumeSocket: (() => void) | undefined;
  #reason: Error | undefined;
  #settled = false;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #signal: CallSignal | undefined;
  // Dropped once used: the promise they settle holds its value, and a stream's handler lives as long
  // as the stream (the response's header reader kept a Buffer per header alive with it).
  #resolve: (response: WholeResponse | StreamResponse) => void;
  #reject: (error: unknown) => void;
  readonly #onAbort = () => this.#cancel(new CallerLeft('The caller went away.'));
  // The pushed body's state (a streamed 2xx answer only).
  #body = false;
  #reader: PushBodyReader | undefined;
  #bodyEnd: { error: unknown } | undefined;
  #paused = false;
  #done = false;
  #drainLeft = -1;

  constructor(
    call: ExchangeCall & { streamed: boolean },
    settle: { resolve: (response: WholeResponse | StreamResponse) => void; reject: (error: unknown) => void },
  ) {
    this.#streamed = call.streamed;
    this.#resolve = settle.resolve;
    this.#reject = settle.reject;
    this.#signal = call.signal;
    this.#timer = setTimeout(() => this.#cancel(new DeadlinePassed()), call.timeoutMs);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#reason !== undefined) abort(this.#reason);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.#status = status;
    this.#rawHeaders = rawHeaders;
    this.#resumeSocket = resume;
    if (this.#streamed && isOk(status) && this.#settle()) {
      this.#body = true;
      // Nothing reads a stream's headers after this: an open stream should not hold a Buffer per header.
      this.#rawHeaders = [];
      this.#succeed({ status, headers: rawHeaderReader(rawHeaders), body: this });
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#body) return this.#bodyData(chunk);
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (!isOk(this.#status) && this.#size >= MAX_ERROR_BODY_BYTES) {
      // Enough for a message: answer with it and close the connection rather than read the rest.
      this.#complete();
      this.#abort?.(new Error('The error body was read far enough.'));
    }
    return true;
  }

  onComplete(): void {
    if (this.#body) this.#bodyFinished(undefined);
    else this.#complete();
  }

  onError(error: Error): void {
    if (this.#body) this.#bodyFinished({ error });
    else if (this.#settle()) this.#fail(this.#reason ?? error);
  }

  // PushBody
  read(reader: PushBodyReader): void {
    this.#reader = reader;
    this.#flush();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#flush();
    if (!this.#paused) this.#resumeSocket?.();
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#abort?.(new Error('The stream was closed.'));
  }

  drain(limit: number): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#bodyEnd !== undefined) return;
    this.#drainLeft = limit;
    this.resume();
  }

  #bodyData(chunk: Buffer): boolean {
    if (this.#drainLeft >= 0) {
      this.#drainLeft -= chunk.length;
      if (this.#drainLeft < 0) this.#abort?.(new Error('Too much was left after the end of the stream.'));
      return true;
    }
    if (this.#done) return true;
    this.#chunks.push(chunk);
    this.#flush();
    return !this.#paused;
  }

  #bodyFinished(end: { error: unknown } | undefined): void {
    this.#bodyEnd ??= end ?? { error: undefined };
    this.#flush();
  }

  /**
   * Hands the reader what it may have now: the chunks kept while it was absent or paused (a paused
   * reader gets nothing, not even the chunk in flight), then the end once they are all out.
   */
  #flush(): void {
    const reader = this.#reader;
    if (reader === undefined) return;
    while (this.#chunks.length > 0) {
      if (this.#paused || this.#done) return;
      reader.data(this.#chunks.shift() as Buffer);
    }
    if (this.#bodyEnd === undefined || this.#done) return;
    this.#done = true;
    const { error } = this.#bodyEnd;
    if (error === undefined) reader.end();
    else reader.error(error);
  }

  #complete(): void {
    if (!this.#settle()) return;
    const text = Buffer.concat(this.#chunks, this.#size).toString('utf8');
    this.#succeed({
      status: this.#status,
      headers: rawHeaderReader(this.#rawHeaders),
      text:
        !isOk(this.#status) && text.length > MAX_ERROR_BODY_BYTES
          ? text.slice(0, MAX_ERROR_BODY_BYTES)
          : text,
    });
  }

  #cancel(reason: Error): void {
    this.#reason = reason;
    if (!this.#settle()) return;
    this.#abort?.(reason);
    this.#fail(reason);
  }

  /** True the first time only: clears the timer and the caller's listener. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }

  #succeed(response: WholeResponse | StreamResponse): void {
    const resolve = this.#resolve;
    this.#resolve = settledAlready;
    this.#reject = settledAlready;
    resolve(response);
  }

  #fail(error: unknown): void {
    const reject = this.#reject;
    this.#resolve = settledAlready;
    this.#reject = settledAlready;
    reject(error);
  }
}

function exchange(
  dispatcher: Dispatcher,
  request: Dispatcher.DispatchOptions,
  call: ExchangeCall & { streamed: boolean },
): Promise<WholeResponse | StreamResponse> {
  return new Promise((resolve, reject) => {
    if (call.signal?.aborted) reject(new CallerLeft('The caller went away.'));
    else dispatcher.dispatch(request, new ExchangeHandler(call, { resolve, reject }));
  });
}

/** Sends one request and reads its answer whole; rejects with the transport's error, `DeadlinePassed`, or on abort. */
export function dispatchWhole(
  dispatcher: Dispatcher,
  request: Dispatcher.DispatchOptions,
  call: ExchangeCall,
): Promise<WholeResponse> {
  return exchange(dispatcher, request, { ...call, streamed: false }) as Promise<WholeResponse>;
}

/** Sends one request; a 2xx answer resolves at its headers with the body to push, any other is read whole. */
export function dispatchStream(
  dispatcher: Dispatcher,
  request: Dispatcher.DispatchOptions,
  call: ExchangeCall,
): Promise<StreamResponse | WholeResponse> {
  return exchange(dispatcher, request, { ...call, streamed: true });
}
