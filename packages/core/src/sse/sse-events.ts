// SseEvents: bytes of a text/event-stream in, the `data` of each complete event out, synchronously.
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';

const CR = 13;
const BOM = 0xfeff;

/** Bytes in, complete events' `data` out; one parser and decoder per stream, reused per chunk. */
export class SseEvents {
  private readonly pending: string[] = [];
  private readonly parser = createParser({
    onEvent: (event) => {
      this.pending.push(event.data);
    },
  });
  // StringDecoder, not TextDecoder: the same carry-over of a character split between chunks, at about
  // a third of the cost per chunk (TextDecoder goes through an ICU converter), on the per-token path.
  private readonly decoder = new StringDecoder('utf8');
  private started = false;
  private endsWithCr = false;

  /** The events completed by `bytes` (the returned array is reused: consume it before the next call). */
  feed(bytes: Uint8Array): string[] {
    this.pending.length = 0;
    let text = this.decoder.write(bytes);
    if (text.length === 0) return this.pending; // only part of a multi-byte character so far
    if (!this.started) {
      this.started = true;
      // The SSE standard strips one leading byte order mark (TextDecoder did it by default).
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
      if (text.length === 0) return this.pending;
    }
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
