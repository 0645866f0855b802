// Tests for SseEvents: line-end styles, splits at every byte, UTF-8, ignored fields, the end of a stream, exact data.
import { describe, expect, it } from 'vitest';
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

/** Every event's data: each chunk fed in order, then the end. */
function dataOf(chunks: Uint8Array[]): string[] {
  const events = new SseEvents();
  const out: string[] = [];
  // Copied at once: feed() reuses the array it returns.
  for (const chunk of chunks) out.push(...events.feed(chunk));
  out.push(...events.end());
  return out;
}

describe('SseEvents on line ends, splits and fields', () => {
  describe.each(VARIANTS)('with %s line ends', (_name, text) => {
    const bytes = encoder.encode(text);

    it('parses the unsplit text', () => {
      expect(dataOf([bytes])).toEqual(EXPECTED);
    });

    it('gives the same events when split in two at every byte offset', () => {
      for (let offset = 0; offset <= bytes.length; offset++) {
        const pieces = [bytes.subarray(0, offset), bytes.subarray(offset)];
        expect(dataOf(pieces), `split at ${offset}`).toEqual(EXPECTED);
      }
    });

    it('gives the same events when fed one byte at a time', () => {
      const pieces = Array.from(bytes, (_byte, i) => bytes.subarray(i, i + 1));
      expect(dataOf(pieces)).toEqual(EXPECTED);
    });
  });

  it('strips one byte order mark at the start of the stream, even split across chunks, and no other', () => {
    const bytes = encoder.encode('\uFEFFdata: a\n\ndata: \uFEFFb\n\n');
    expect(dataOf([bytes])).toEqual(['a', '\uFEFFb']);
    expect(dataOf([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).toEqual(['a', '\uFEFFb']);
  });

  it('returns every event of a chunk that holds several', () => {
    expect(dataOf([encoder.encode('data: a\n\ndata: b\n\n: c\n\ndata: d\n\n')])).toEqual(['a', 'b', 'd']);
  });

  it('drops an event that the stream ends before its blank line', () => {
    expect(dataOf([encoder.encode('data: a\n\ndata: b\n')])).toEqual(['a']);
    expect(dataOf([encoder.encode('data: a\r\n\r\ndata: b')])).toEqual(['a']);
  });

  it('returns an event from the feed of the chunk that completes it, before the stream ends', () => {
    const events = new SseEvents();
    expect([...events.feed(encoder.encode('data: first\n\n'))]).toEqual(['first']);
    expect([...events.feed(encoder.encode('data: second\n\n'))]).toEqual(['second']);
    expect([...events.end()]).toEqual([]);
  });

  it('joins events and multi-byte characters split across chunks, the last ended by a lone CR', () => {
    const euro = encoder.encode('€');
    const chunks = [
      encoder.encode('data: a\n'),
      encoder.encode('\ndata: '),
      euro.slice(0, 1),
      euro.slice(1),
      encoder.encode('\r\n\r'),
    ];
    expect(dataOf(chunks)).toEqual(['a', '€']);
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

  it('returns each event’s data exactly as sent, so relaying it is exact', () => {
    expect(dataOf([crlfBytes])).toEqual(DATA);
  });

  it('returns the same data when split at every byte, through UTF-8 sequences and CRLF pairs', () => {
    for (let offset = 0; offset <= crlfBytes.length; offset++) {
      const pieces = [crlfBytes.subarray(0, offset), crlfBytes.subarray(offset)];
      expect(dataOf(pieces), `split at ${offset}`).toEqual(DATA);
    }
    const bytewise = Array.from(crlfBytes, (_byte, i) => crlfBytes.subarray(i, i + 1));
    expect(dataOf(bytewise)).toEqual(DATA);
  });

  it('returns an event from the feed that completes it, and the one a final lone CR ends from end()', () => {
    const events = new SseEvents();
    expect([...events.feed(encoder.encode('data: {"a": 1.0}\r\n'))]).toEqual([]);
    expect([...events.feed(encoder.encode('\r\ndata: {"b": 2.0}\r\n\r'))]).toEqual(['{"a": 1.0}']);
    expect([...events.end()]).toEqual(['{"b": 2.0}']);
  });
});
