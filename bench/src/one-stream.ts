// One SSE stream, timed from request start to its first `data:` bytes and to its end, its events counted.
import type { Pool } from 'undici';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';

export interface OneStream {
  ok: boolean;
  ttfcUs: number;
  totalUs: number;
  /** `data:` events received, `data: [DONE]` not included: the chunks the target relayed. */
  chunks: number;
}

const DATA = Buffer.from('data:');
const DONE = Buffer.from('data: [DONE]');
/** Bytes kept from the previous read: enough for `data: [DONE]` and for a `data:` split across two reads. */
const TAIL_BYTES = 64;

/** Non-overlapping occurrences of `needle` in `haystack`. */
function occurrences(haystack: Buffer, needle: Buffer): number {
  let found = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    found += 1;
  }
  return found;
}

/** Sends `body` (a streaming chat request) and reads the answer to its end; never throws. */
export async function oneStream(pool: Pool, body: string): Promise<OneStream> {
  const t0 = process.hrtime.bigint();
  let ttfcUs = Number.NaN;
  let tail = Buffer.alloc(0);
  let events = 0;
  try {
    const res = await pool.request({ path: CHAT_PATH, method: 'POST', headers: CHAT_HEADERS, body });
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (Number.isNaN(ttfcUs) && chunk.includes('data:')) {
        ttfcUs = Number(process.hrtime.bigint() - t0) / 1000;
      }
      // The tail was counted with the read before; what `seen` holds beyond it is new, a marker split
      // between the two reads included (`data:` cannot overlap itself, so nothing is counted twice).
      const seen = Buffer.concat([tail, chunk]);
      events += occurrences(seen, DATA) - occurrences(tail, DATA);
      tail = seen.subarray(-TAIL_BYTES);
    }
    const totalUs = Number(process.hrtime.bigint() - t0) / 1000;
    const done = tail.includes(DONE);
    const ok = res.statusCode === 200 && done && !Number.isNaN(ttfcUs);
    return { ok, ttfcUs, totalUs, chunks: events - (done ? 1 : 0) };
  } catch {
    return { ok: false, ttfcUs, totalUs: Number.NaN, chunks: events };
  }
}
