// Unit tests of the pure helpers: content splitting, default content, request reading, CLI and input parsing.
import { expectOpenAIShape } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.js';
import { defaultSimContent } from '../src/index.js';
import { BASE_REPLY, mergeReply, splitContent, splitWords } from '../src/sim-reply.js';
import { estimateTokens, readChatRequest } from '../src/sim-request.js';
import { parseFaults, parseReplyPatch } from '../src/sim-validate.js';

describe('splitContent', () => {
  it('splits as evenly as possible, longer pieces first', () => {
    expect(splitContent('abcdefghij', 3)).toEqual(['abcd', 'efg', 'hij']);
    expect(splitContent('abcdef', 3)).toEqual(['ab', 'cd', 'ef']);
  });

  it('gives one piece per character when the text is short, none when empty', () => {
    expect(splitContent('ab', 5)).toEqual(['a', 'b']);
    expect(splitContent('', 5)).toEqual([]);
    expect(splitContent('abc', 0)).toEqual(['abc']);
  });

  it('never splits a surrogate pair', () => {
    const pieces = splitContent('a😀b😀c', 4);
    expect(pieces.join('')).toBe('a😀b😀c');
    for (const piece of pieces) expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });
});

describe('splitWords', () => {
  it('gives each word with the whitespace before it; trailing whitespace joins the last word', () => {
    expect(splitWords('Simulated answer to: hi')).toEqual(['Simulated', ' answer', ' to:', ' hi']);
    expect(splitWords(' a\t\nb  ')).toEqual([' a', '\t\nb  ']);
    expect(splitWords('😀 x😀')).toEqual(['😀', ' x😀']);
  });

  it('keeps whitespace-only text as one piece and gives none for empty text', () => {
    expect(splitWords('   ')).toEqual(['   ']);
    expect(splitWords('')).toEqual([]);
  });
});

describe('mergeReply', () => {
  it("defaults chunkBy to 'even' and takes only known values", () => {
    expect(BASE_REPLY.chunkBy).toBe('even');
    expect(mergeReply(BASE_REPLY, { chunkBy: 'words' }).chunkBy).toBe('words');
    const bogus = { chunkBy: 'lines' } as unknown as { chunkBy: 'words' };
    expect(mergeReply(BASE_REPLY, bogus).chunkBy).toBe('even');
  });
});

describe('defaultSimContent', () => {
  it('quotes the first 64 characters', () => {
    expect(defaultSimContent('hi')).toBe('Simulated answer to: hi');
    expect(defaultSimContent('x'.repeat(100))).toBe(`Simulated answer to: ${'x'.repeat(64)}`);
  });

  it('does not end on half a surrogate pair', () => {
    const text = `${'x'.repeat(63)}😀tail`;
    expect(defaultSimContent(text)).toBe(`Simulated answer to: ${'x'.repeat(63)}`);
  });
});

describe('readChatRequest', () => {
  it('reads model, stream flags, n and the user text; tolerates odd shapes', () => {
    expect(
      readChatRequest({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        n: 500,
        messages: [{ role: 'user', content: 'abcd' }, null, { role: 'assistant', content: 'efgh' }],
      }),
    ).toEqual({ model: 'm', stream: true, includeUsage: true, n: 128, lastUserText: 'abcd', promptChars: 8 });
    expect(readChatRequest({ model: '', stream: 'yes', n: 1.5, messages: 'nope' })).toEqual({
      model: undefined,
      stream: false,
      includeUsage: false,
      n: 1,
      lastUserText: '',
      promptChars: 0,
    });
  });

  it('estimates at least one token', () => {
    expect(estimateTokens(0)).toBe(1);
    expect(estimateTokens(9)).toBe(3);
  });
});

describe('parseCliArgs', () => {
  it('maps flags to options', () => {
    expect(
      parseCliArgs([
        '--port',
        '9000',
        '--host',
        '0.0.0.0',
        '--chunks',
        '20',
        '--chunk-delay-ms',
        '10',
        '--latency-ms',
        '0',
        '--no-record',
      ]),
    ).toEqual({
      help: false,
      options: {
        port: 9000,
        host: '0.0.0.0',
        record: false,
        reply: { chunks: 20, chunkDelayMs: 10, latencyMs: 0 },
      },
    });
    expect(parseCliArgs(['--chunk-by', 'words'])).toEqual({
      help: false,
      options: { reply: { chunkBy: 'words' } },
    });
    expect(parseCliArgs([])).toEqual({ help: false, options: {} });
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
  });

  it('rejects bad values and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--chunks', '0'])).toThrow(/--chunks/);
    expect(() => parseCliArgs(['--chunk-by', 'lines'])).toThrow(/--chunk-by/);
    expect(() => parseCliArgs(['--bogus'])).toThrow();
  });
});

describe('control input parsing', () => {
  it('accepts every fault kind, singly or as an array', () => {
    const faults = [
      { kind: 'status', status: 429, body: { a: 1 }, headers: { 'retry-after': '1' } },
      { kind: 'hang' },
      { kind: 'reset' },
      { kind: 'reset-mid-stream', afterChunks: 1 },
      { kind: 'hang-mid-stream', afterChunks: 2 },
      { kind: 'malformed' },
      { kind: 'error-event', afterChunks: 0 },
      { kind: 'script', events: [{ id: 'x' }, '{not json'], json: { id: 'y' }, delayMs: 5, done: false },
      { kind: 'script', events: [], json: '{"raw":true}' },
    ];
    expect(parseFaults(faults)).toEqual(faults);
    expect(parseFaults({ kind: 'hang' })).toEqual([{ kind: 'hang' }]);
    expect(() => parseFaults([{ kind: 'status', status: 700 }])).toThrow(/status/);
    expect(() => parseFaults({ kind: 'script', events: [1] })).toThrow(/events/);
    expect(() => parseFaults({ kind: 'script', events: [], json: [] })).toThrow(/json/);
    expect(() => parseFaults({ kind: 'script', events: [], delayMs: -1 })).toThrow(/delayMs/);
    expect(() => parseFaults({ kind: 'script', events: [], done: 'no' })).toThrow(/done/);
  });

  it('accepts reply patches and rejects unknown or ill-typed fields', () => {
    const patch = {
      content: 'x',
      chunks: 2,
      chunkBy: 'words',
      chunkDelayMs: 0,
      latencyMs: 5,
      toolCalls: [{ name: 'f', arguments: '{}' }],
    };
    expect(parseReplyPatch(patch)).toEqual(patch);
    expect(() => parseReplyPatch({ chunks: 1.5 })).toThrow(/chunks/);
    expect(() => parseReplyPatch({ chunkBy: 'lines' })).toThrow(/chunkBy/);
    expect(() => parseReplyPatch({ toolCalls: [{ name: 'f' }] })).toThrow(/tool call/);
  });
});

describe('schema fixture', () => {
  it('rejects objects that are not OpenAI responses (the validators are live)', () => {
    expect(() => expectOpenAIShape('CreateChatCompletionResponse', { id: 'x' })).toThrow();
    expect(() =>
      expectOpenAIShape('CreateChatCompletionStreamResponse', {
        id: 'x',
        object: 'chat.completion',
        choices: [],
        created: 1,
        model: 'm',
      }),
    ).toThrow();
    expect(() => expectOpenAIShape('ErrorResponse', { error: { message: 'm' } })).toThrow();
  });
});
