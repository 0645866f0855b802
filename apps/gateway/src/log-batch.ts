// Log lines gathered in an array and handed on in batches: one write per batch, no string grown line by line.

/** What the batch writes to: sonic-boom's destination (pino.destination) has this shape. */
export interface LineSink {
  write(text: string): unknown;
  flushSync(): void;
}

/**
 * Why not sonic-boom's own `minLength`: it appends each line to the last pending string and asks that
 * string's byte length on every write, which flattens it, so a batch of n bytes copies about n²/2.
 * At 8 KiB that was some 4 KB copied per log line, a fifth of all the bytes a cache miss allocated
 * (sampling heap profile). Here lines are kept as they are and joined once per batch.
 */
export class LineBatch {
  readonly #sink: LineSink;
  readonly #batchBytes: number;
  readonly #lines: string[] = [];
  #size = 0;

  constructor(sink: LineSink, batchBytes: number) {
    this.#sink = sink;
    this.#batchBytes = batchBytes;
  }

  /** Called by pino with one serialized line. */
  write(line: string): boolean {
    this.#lines.push(line);
    this.#size += line.length;
    if (this.#size >= this.#batchBytes) this.flush();
    return true;
  }

  /** Hands what has gathered to the sink (which writes it asynchronously). */
  flush(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines.length = 0;
    this.#size = 0;
    this.#sink.write(text);
  }

  /** Everything, written before this returns (at exit). */
  flushSync(): void {
    this.flush();
    this.#sink.flushSync();
  }
}
