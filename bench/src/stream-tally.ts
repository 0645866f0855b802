// Adds up the streams of one measured window: timings of the good ones, failures, chunks and duration.
import type { OneStream } from './one-stream.js';
import { type LatencySummary, summarize } from './percentiles.js';

export interface StreamLoadRun {
  concurrency: number;
  streams: number;
  /** Non-2xx, transport errors, and streams that ended without `data: [DONE]`. */
  failed: number;
  /** Request start to the first body bytes containing `data:`, in microseconds. */
  ttfcUs: LatencySummary;
  /** Request start to the end of the stream, in microseconds. */
  totalUs: LatencySummary;
  /** Chunks received over every measured stream, failed ones included (the target relayed them too). */
  chunks: number;
  /** From the window's start to the end of its last stream, in seconds. */
  windowS: number;
}

export class StreamTally {
  private readonly ttfc: number[] = [];
  private readonly total: number[] = [];
  private failed = 0;
  private chunks = 0;
  private readonly startedAt = process.hrtime.bigint();

  add(result: OneStream): void {
    this.chunks += result.chunks;
    if (!result.ok) this.failed += 1;
    else {
      this.ttfc.push(result.ttfcUs);
      this.total.push(result.totalUs);
    }
  }

  /** The window's summary; call once every stream has ended. */
  result(concurrency: number): StreamLoadRun {
    return {
      concurrency,
      streams: this.ttfc.length + this.failed,
      failed: this.failed,
      ttfcUs: summarize(this.ttfc),
      totalUs: summarize(this.total),
      chunks: this.chunks,
      windowS: Number(process.hrtime.bigint() - this.startedAt) / 1e9,
    };
  }
}
