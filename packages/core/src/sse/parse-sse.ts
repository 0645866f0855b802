// parseSseData: bytes of a text/event-stream body → the `data` of each complete SSE event, in order.
import { SseEvents } from './sse-events.js';

/** Options for {@link parseSseData}. */
export interface ParseSseOptions {
  /** Aborting stops the iteration promptly: the source is cancelled and the iterator throws `signal.reason`. */
  signal?: AbortSignal;
}

function noop(): void {}

/**
 * Yields the `data` field of every SSE event in `body`, as soon as the chunk that completes it is read.
 *
 * - Line ends LF, CRLF and CR are all accepted; events and UTF-8 sequences may be split at any byte.
 * - Comments (`: ping`), `id:`, `retry:`, unknown fields and the `event:` name are ignored: only `data`
 *   matters to OpenAI-style streams (an `event: error` still yields its data for the decoder to judge).
 * - An event without its terminating blank line when the stream ends is dropped, as the SSE spec says
 *   (eventsource-parser only dispatches on a blank line). A final blank line ended by a lone CR does count.
 * - Ending the loop early (break/return/throw) cancels the source, so an upstream connection is released
 *   (a Node stream is left to its owner instead, see parseNodeReadable).
 * - When `options.signal` aborts, the source is cancelled (a pending read ends at once) and the iterator
 *   throws `signal.reason`, so a caller can never mistake an aborted stream for a finished one.
 */
export async function* parseSseData(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: ParseSseOptions = {},
): AsyncGenerator<string> {
  if (isNodeReadable(body)) {
    yield* parseNodeReadable(body, options.signal);
    return;
  }
  const { signal } = options;

  // One reader for both input kinds: a web reader's cancel() settles a pending read immediately,
  // which is what makes abort prompt even while the upstream is silent.
  const stream = body instanceof ReadableStream ? body : ReadableStream.from(body);
  const reader = stream.getReader();
  let finished = false;
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(noop);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const events = new SseEvents();

  try {
    // Checked inside the try so that a signal aborted before the first read still cancels the source.
    signal?.throwIfAborted();
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      for (const data of events.feed(value)) {
        yield data;
        if (signal?.aborted) throw signal.reason;
      }
    }
    finished = true;
    for (const data of events.end()) yield data;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // Not awaited: a source whose cancel hangs must not hang the consumer's break or throw.
      reader.cancel().catch(noop);
    }
    reader.releaseLock();
  }
}

/** A Node stream (an HTTP response body from undici): what the gateway's upstream client reads. */
interface NodeReadable extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
  readonly destroyed: boolean;
  iterator(options: { destroyOnReturn: boolean }): AsyncIterableIterator<Uint8Array>;
}

function isNodeReadable(body: unknown): body is NodeReadable {
  return (
    !(body instanceof ReadableStream) &&
    typeof (body as { destroy?: unknown }).destroy === 'function' &&
    typeof (body as { pipe?: unknown }).pipe === 'function'
  );
}

/**
 * The same for a Node stream, read directly: wrapping it in a web stream cost a few percent of the CPU
 * per streamed token. Abort destroys the stream, which settles a pending read at once (a Node stream's
 * iterator would queue return() behind it). An early exit leaves the stream to its owner, who can
 * drain it so that its keep-alive connection is reused (destroying it would close the connection).
 */
async function* parseNodeReadable(
  body: NodeReadable,
  signal: AbortSignal | undefined,
): AsyncGenerator<string> {
  const onAbort = (): void => {
    body.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const events = new SseEvents();
  try {
    signal?.throwIfAborted();
    for await (const bytes of body.iterator({ destroyOnReturn: false })) {
      if (signal?.aborted) throw signal.reason;
      for (const data of events.feed(bytes)) {
        yield data;
        if (signal?.aborted) throw signal.reason;
      }
    }
    if (signal?.aborted) throw signal.reason;
    for (const data of events.end()) yield data;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
