// Tests for parseSseData (splits at every byte, line-end styles, UTF-8, early exit, abort) and SseEvents' exact data.
import { collect } from '@llm-gateway/test-support';
import { describe, expect, it, vi } from 'vitest';
import { parseSseData } from './parse-sse.js';
import { SseEvents } from './sse-events.js';

const encoder = new TextEncoder();
const UNICODE = 'héllo — 你好 🎉';

/** LF-terminated source text; the other line-end styles are derived from it. */
const SOURCE = [
  ': ping',
  '',
  `data: {"text":"${UNICODE}"}`,
  '',
  'event: message',
  'id: 7',
  'data: first line',
  'data:second line',
  '',
  ': another comment',
  'retry: 1000',
  '',
  `data: ${UNICODE}`,
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const EXPECTED = [`{"text":"${UNICODE}"}`, 'first line\nsecond line', UNICODE, '[DONE]'];

const VARIANTS = [
  ['LF', SOURCE],
  ['CRLF', SOURCE.replaceAll('\n', '\r\n')],
  ['CR', SOURCE.replaceAll('\n', '\r')],
] as const;

function streamOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

async function* iterableOf(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

describe('parseSseData', () => {
  describe.each(VARIANTS)('with %s line ends', (_name, text) => {
    const bytes = encoder.encode(text);

    it('parses the unsplit text', async () => {
      expect(await collect(parseSseData(streamOf([bytes])))).toEqual(EXPECTED);
      expect(await collect(parseSseData(iterableOf([bytes])))).toEqual(EXPECTED);
    });

    it('gives the same events when split in two at every byte offset', async () => {
      for (let offset = 0; offset <= bytes.length; offset++) {
        const pieces = [bytes.subarray(0, offset), bytes.subarray(offset)];
        expect(await collect(parseSseData(streamOf(pieces))), `split at ${offset}`).toEqual(EXPECTED);
      }
    });

    it('gives the same events when fed one byte at a time', async () => {
      const pieces = Array.from(bytes, (_byte, i) => bytes.subarray(i, i + 1));
      expect(await collect(parseSseData(streamOf(pieces)))).toEqual(EXPECTED);
      expect(await collect(parseSseData(iterableOf(pieces)))).toEqual(EXPECTED);
    });
  });

  it('yields every event of a chunk that holds several', async () => {
    const body = streamOf([encoder.encode('data: a\n\ndata: b\n\n: c\n\ndata: d\n\n')]);
    expect(await collect(parseSseData(body))).toEqual(['a', 'b', 'd']);
  });

  it('drops an event that the stream ends before its blank line', async () => {
    expect(await collect(parseSseData(streamOf([encoder.encode('data: a\n\ndata: b\n')])))).toEqual(['a']);
    expect(await collect(parseSseData(streamOf([encoder.encode('data: a\r\n\r\ndata: b')])))).toEqual(['a']);
  });

  it('yields an event as soon as its chunk arrives, before the stream ends', async () => {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const events = parseSseData(body);
    controller?.enqueue(encoder.encode('data: first\n\n'));
    expect(await events.next()).toEqual({ done: false, value: 'first' });
    controller?.enqueue(encoder.encode('data: second\n\n'));
    expect(await events.next()).toEqual({ done: false, value: 'second' });
    controller?.close();
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('cancels the source stream when the consumer breaks early', async () => {
    const cancel = vi.fn();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode('data: tick\n\n'));
      },
      cancel,
    });
    for await (const data of parseSseData(body)) {
      expect(data).toBe('tick');
      break;
    }
    expect(cancel).toHaveBeenCalledTimes(1);
    // The lock is released, so the owner can see the stream is done with.
    expect(body.locked).toBe(false);
  });

  it('closes an async-iterable source when the consumer breaks early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield encoder.encode('data: tick\n\n');
      } finally {
        closed = true;
      }
    }
    for await (const _data of parseSseData(source())) break;
    await vi.waitFor(() => expect(closed).toBe(true));
  });

  it('cancels the source and throws the reason when the signal aborts during a pending read', async () => {
    const cancel = vi.fn();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: first\n\n'));
        // Then nothing more: the next read stays pending until the abort.
      },
      cancel,
    });
    const controller = new AbortController();
    const events = parseSseData(body, { signal: controller.signal });
    expect(await events.next()).toEqual({ done: false, value: 'first' });
    const pending = events.next();
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(cancel).toHaveBeenCalledWith(reason);
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('stops between events of one chunk when the signal aborts', async () => {
    const controller = new AbortController();
    const body = streamOf([encoder.encode('data: a\n\ndata: b\n\ndata: c\n\n')]);
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const data of parseSseData(body, { signal: controller.signal })) {
        seen.push(data);
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['a']);
  });

  it('cancels the source without reading when the signal is already aborted', async () => {
    const cancel = vi.fn();
    const pull = vi.fn();
    const body = new ReadableStream<Uint8Array>({ pull, cancel }, { highWaterMark: 0 });
    const reason = new Error('too late');
    await expect(collect(parseSseData(body, { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(pull).not.toHaveBeenCalled();
  });

  it('passes a source error through', async () => {
    const failure = new Error('socket hang up');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: a\n\n'));
        controller.error(failure);
      },
    });
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const data of parseSseData(body)) seen.push(data);
    };
    await expect(run()).rejects.toBe(failure);
  });
});

describe('parseSseData on a Node stream (the upstream body)', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('yields events split across chunks and multi-byte characters', async () => {
    const { Readable } = await import('node:stream');
    const euro = bytes('€');
    const body = Readable.from([
      bytes('data: a\n'),
      bytes('\ndata: '),
      euro.slice(0, 1),
      euro.slice(1),
      bytes('\r\n\r'),
    ]);
    const out: string[] = [];
    for await (const data of parseSseData(body)) out.push(data);
    expect(out).toEqual(['a', '€']);
  });

  it('throws the abort reason at once while the source is silent, and destroys it', async () => {
    const { PassThrough } = await import('node:stream');
    const body = new PassThrough();
    body.write(bytes('data: first\n\n'));
    const controller = new AbortController();
    const reason = new Error('stop');
    const seen: string[] = [];
    const reading = (async () => {
      for await (const data of parseSseData(body, { signal: controller.signal })) seen.push(data);
    })();
    await vi.waitFor(() => expect(seen).toEqual(['first']));
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(body.destroyed).toBe(true);
  });

  it('leaves the source to its owner when the consumer stops early (it may drain it for reuse)', async () => {
    const { PassThrough } = await import('node:stream');
    const body = new PassThrough();
    body.write(bytes('data: one\n\ndata: two\n\n'));
    for await (const data of parseSseData(body)) if (data === 'one') break;
    expect(body.destroyed).toBe(false);
    body.end();
    body.resume();
  });
});

describe('SseEvents', () => {
  // Data a parse and re-serialise would change: spacing, `1.0`, JSON escapes, a kept second leading space.
  const DATA = [
    `{"id": "c", "choices": [{"index": 0, "delta": {"content": "${UNICODE}"}}], "usage": {"total_tokens": 1.0}}`,
    String.raw`{"content":"caf\u00e9 \"quoted\" \r\n not a line end"}`,
    ` {"leading":"space kept"} `,
    '[DONE]',
  ];
  const crlfBytes = encoder.encode(DATA.map((data) => `data: ${data}\r\n\r\n`).join(''));

  /** Every event's data, fed `pieces` in order and then ended. */
  function eventsOf(pieces: Uint8Array[]): string[] {
    const events = new SseEvents();
    const out: string[] = [];
    // Copied at once: feed() reuses the array it returns.
    for (const piece of pieces) out.push(...events.feed(piece));
    out.push(...events.end());
    return out;
  }

  it('returns each event’s data exactly as sent, so relaying it is exact', () => {
    expect(eventsOf([crlfBytes])).toEqual(DATA);
  });

  it('returns the same data when split at every byte, through UTF-8 sequences and CRLF pairs', () => {
    for (let offset = 0; offset <= crlfBytes.length; offset++) {
      const pieces = [crlfBytes.subarray(0, offset), crlfBytes.subarray(offset)];
      expect(eventsOf(pieces), `split at ${offset}`).toEqual(DATA);
    }
    const bytewise = Array.from(crlfBytes, (_byte, i) => crlfBytes.subarray(i, i + 1));
    expect(eventsOf(bytewise)).toEqual(DATA);
  });

  it('returns an event from the feed that completes it, and the one a final lone CR ends from end()', () => {
    const events = new SseEvents();
    expect([...events.feed(encoder.encode('data: {"a": 1.0}\r\n'))]).toEqual([]);
    expect([...events.feed(encoder.encode('\r\ndata: {"b": 2.0}\r\n\r'))]).toEqual(['{"a": 1.0}']);
    expect([...events.end()]).toEqual(['{"b": 2.0}']);
  });
});
