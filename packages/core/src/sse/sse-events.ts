// SseEvents: bytes of a text/event-stream in, the `data` of each complete event out, synchronously.
import { createParser } from 'eventsource-parser';

const CR = 13;

/** Bytes in, complete events' `data` out; one parser and decoder per stream, reused per chunk. */
export class SseEvents {
  private readonly pending: string[] = [];
  private readonly parser = createParser({
    onEvent: (event) => {
      this.pending.push(event.data);
    },
  });
  private readonly decoder = new TextDecoder('utf-8');
  private endsWithCr = false;

  /** The events completed by `bytes` (the returned array is reused: consume it before the next call). */
  feed(bytes: Uint8Array): string[] {
    this.pending.length = 0;
    const text = this.decoder.decode(bytes, { stream: true });
    if (text.length === 0) return this.pending; // only part of a multi-byte character so far
    this.endsWithCr = text.charCodeAt(text.length - 1) === CR;
    this.parser.feed(text);
    return this.pending;
  }

  /**
   * At the end of the stream: eventsource-parser holds back a trailing CR in case an LF follows in the
   * next chunk, but now that CR is a complete line end, so it is closed as CRLF (one terminator, same
   * meaning). Feeding an LF in any other state could invent a blank line, so it is done only here.
   */
  end(): string[] {
    this.pending.length = 0;
    if (this.endsWithCr) this.parser.feed('\n');
    return this.pending;
  }
}
