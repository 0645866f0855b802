// Tests for the small toolkit: manual clock, error capture, iterables, SSE text and streamed content.
import { describe, expect, it } from 'vitest';
import { caught, caughtSync } from './caught.js';
import { collect, drain } from './iterables.js';
import { createManualClock } from './manual-clock.js';
import { expectOpenAIShape } from './openai-schemas.js';
import { sseData, sseDataLines, sseJson } from './sse-text.js';
import { streamedContent } from './stream-content.js';

async function* items(count: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i += 1) {
    if (i === failAt) throw new Error(`failed at ${i}`);
    yield i;
  }
}

describe('createManualClock', () => {
  it('moves only when advanced, and sleeps without moving', async () => {
    const clock = createManualClock(5);
    expect(clock.now()).toBe(5);
    await clock.sleep(1000);
    expect(clock.now()).toBe(5);
    clock.advance(10);
    expect(clock.now()).toBe(15);
    expect(createManualClock().now()).toBe(0);
  });
});

describe('caught', () => {
  it('resolves with the rejection of a promise or of a function', async () => {
    const error = new Error('boom');
    expect(await caught(Promise.reject(error))).toBe(error);
    expect(await caught(async () => Promise.reject(error))).toBe(error);
    expect(
      await caught(() => {
        throw error;
      }),
    ).toBe(error);
  });

  it('rejects when the work succeeded', async () => {
    await expect(caught(Promise.resolve(1))).rejects.toThrow('expected a failure');
    await expect(caught(async () => 1)).rejects.toThrow('expected a failure');
  });

  it('caughtSync returns what was thrown, and throws when nothing was', () => {
    expect(
      caughtSync(() => {
        throw 'thrown';
      }),
    ).toBe('thrown');
    expect(() => caughtSync(() => 1)).toThrow('expected a failure');
  });
});

describe('collect and drain', () => {
  it('read to the end, and fail as the iterable fails', async () => {
    expect(await collect(items(3))).toEqual([0, 1, 2]);
    await expect(drain(items(3))).resolves.toBeUndefined();
    await expect(collect(items(3, 1))).rejects.toThrow('failed at 1');
    await expect(drain(items(3, 2))).rejects.toThrow('failed at 2');
  });
});

describe('SSE text', () => {
  const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';

  it('sseData splits an OpenAI-style stream into its payloads', () => {
    expect(sseData(stream)).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    expect(sseData('')).toEqual([]);
    expect(sseJson(stream)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('sseData refuses any other framing', () => {
    expect(() => sseData('data: a\ndata: b\n\n')).toThrow();
    expect(() => sseData(': ping\n\ndata: a\n\n')).toThrow();
    expect(() => sseData('data: a\n\ndata: cut')).toThrow();
  });

  it('sseDataLines takes every data line, whatever else the events carry', () => {
    const trpc = 'event: started\ndata: \n\nid: 1\ndata: {"json":1}\n\n: ping\n\nevent: return\ndata: \n\n';
    expect(sseDataLines(trpc)).toEqual(['', '{"json":1}', '']);
  });
});

describe('streamedContent', () => {
  it('joins the first choice deltas, skipping empty ones', () => {
    const chunks = [
      { choices: [{ delta: { role: 'assistant', content: 'Hel' } }] },
      { choices: [{ delta: { content: null } }] },
      { choices: [{ delta: { content: 'lo' } }, { delta: { content: 'ignored' } }] },
      { choices: [] },
    ];
    expect(streamedContent(chunks)).toBe('Hello');
    expect(() => streamedContent([{ id: 'no choices' }])).toThrow(TypeError);
  });
});

describe('expectOpenAIShape', () => {
  it('passes a valid value and fails an invalid one with its errors', () => {
    expectOpenAIShape('ErrorResponse', {
      error: { message: 'm', type: 't', param: null, code: null },
    });
    expect(() => expectOpenAIShape('ErrorResponse', { error: { message: 'm' } })).toThrow(
      /ErrorResponse schema errors/,
    );
  });
});
