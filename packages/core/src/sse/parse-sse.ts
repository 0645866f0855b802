// parseSseData: bytes of a text/event-stream body → the `data` of each complete SSE event, in order.
import { createParser } from 'eventsource-parser';

/** Options for {@link parseSseData}. */
export interface ParseSseOptions {
  /** Aborting stops the iteration promptly: the source is cancelled and the iterator throws `signal.reason`. */
  signal?: AbortSignal;
}

const CR = 13;

function noop(): void {}

/**
 * Yields the `data` field of every SSE event in `body`, as soon as the chunk that completes it is read.
 *
 * - Line ends LF, CRLF and CR are all accepted; events and UTF-8 sequences may be split at any byte.
 * - Comments (`: ping`), `id:`, `retry:`, unknown fields and the `event:` name are ignored: only `data`
 *   matters to OpenAI-style streams (an `event: error` still yields its data for the decoder to judge).
 * - An event without its terminating blank line when the stream ends is dropped, as the SSE spec says
 *   (eventsource-parser only dispatches on a blank line). A final blank line ended by a lone CR does count.
 * - Ending the loop early (break/return/throw) cancels the source, so an upstream connection is released.
 * - When `options.signal` aborts, the source is cancelled (a pending read ends at once) and the iterator
 *   throws `signal.reason`, so a caller can never mistake an aborted stream for a finished one.
 */
export async function* parseSseData(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: ParseSseOptions = {},
): AsyncGenerator<string> {
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

  // Filled by the parser during feed(), drained by the yields below; reused for every chunk so the
  // hot path allocates nothing per event beyond the data string itself.
  const pending: string[] = [];
  const parser = createParser({
    onEvent(event) {
      pending.push(event.data);
    },
  });
  const decoder = new TextDecoder('utf-8');
  let endsWithCr = false;

  try {
    // Checked inside the try so that a signal aborted before the first read still cancels the source.
    signal?.throwIfAborted();
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text.length === 0) continue; // only part of a multi-byte character so far
      endsWithCr = text.charCodeAt(text.length - 1) === CR;
      parser.feed(text);
      for (const data of pending) {
        yield data;
        if (signal?.aborted) throw signal.reason;
      }
      pending.length = 0;
    }
    finished = true;
    // eventsource-parser holds back a trailing CR in case an LF follows in the next chunk. At the end of
    // the stream that CR is a complete line end, so close it as CRLF (one terminator, same meaning).
    // Feeding an LF in any other state could invent a blank line, so it is done only here.
    if (endsWithCr) {
      parser.feed('\n');
      for (const data of pending) yield data;
      pending.length = 0;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // Not awaited: a source whose cancel hangs must not hang the consumer's break or throw.
      reader.cancel().catch(noop);
    }
    reader.releaseLock();
  }
}
