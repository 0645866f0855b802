// Tests for answer texts: from_cache spliced into the upstream's own bytes, stored and read back.
import type { ChatCompletion } from '@llm-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { answerJson, decodeAnswer, encodeAnswer, serializeAnswer, spliceFromCache } from './answer-text.js';

/** The text with the flag set, and what it parses to. */
function spliced(text: string, fromCache: boolean): { json: string; value: Record<string, unknown> } {
  const answer = spliceFromCache(text);
  if (answer === undefined) throw new Error('not spliced');
  const json = answerJson(answer, fromCache);
  return { json, value: JSON.parse(json) as Record<string, unknown> };
}

describe('spliceFromCache', () => {
  it('adds the flag as the last field of the top-level usage, keeping every other byte', () => {
    const upstream =
      '{"id":"x","choices":[{"message":{"content":"{\\"usage\\":1}"}}],"usage":{"prompt_tokens":3} ,"provider":"p"}';
    const { json, value } = spliced(upstream, false);
    expect(json).toBe(
      '{"id":"x","choices":[{"message":{"content":"{\\"usage\\":1}"}}],"usage":{"prompt_tokens":3,"from_cache":false} ,"provider":"p"}',
    );
    expect(value.usage).toEqual({ prompt_tokens: 3, from_cache: false });
    expect(spliced(upstream, true).value.usage).toEqual({ prompt_tokens: 3, from_cache: true });
  });

  it('ignores a nested or quoted "usage" and finds the top-level one after it', () => {
    const upstream =
      '{"choices":[{"usage":{"a":1},"message":{"content":"\\\\","usage":"no"}}], "usage" : { } }';
    const { value } = spliced(upstream, true);
    expect(value.usage).toEqual({ from_cache: true });
    expect(value.choices).toEqual([{ usage: { a: 1 }, message: { content: '\\', usage: 'no' } }]);
  });

  it('turns a null usage into the flag alone, and adds a usage where there is none', () => {
    expect(spliced('{"id":"a","usage":null}', false).value).toEqual({
      id: 'a',
      usage: { from_cache: false },
    });
    expect(spliced(' {"id":"a"}\n', true).value).toEqual({ id: 'a', usage: { from_cache: true } });
    expect(spliced('{}', true).value).toEqual({ usage: { from_cache: true } });
  });

  it('declines JSON that is not an object with an object or null usage', () => {
    expect(spliceFromCache('[1,2]')).toBeUndefined();
    expect(spliceFromCache('{"usage":5}')).toBeUndefined();
  });
});

describe('stored answers', () => {
  const completion: ChatCompletion = {
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    provider: 'DeepSeek',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'hi | there', reasoning_content: 'think' },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, from_cache: false },
  };

  it('serialises a completion once and reads it back with the flag either way', () => {
    const text = serializeAnswer(completion);
    expect(JSON.parse(answerJson(text, true))).toEqual({
      ...completion,
      usage: { ...completion.usage, from_cache: true },
    });
    const decoded = decodeAnswer(encodeAnswer(text));
    expect(decoded).toEqual(text);
  });

  it('reads the bare completion JSON that earlier versions stored', () => {
    const decoded = decodeAnswer(JSON.stringify(completion));
    expect(decoded && JSON.parse(answerJson(decoded, true))).toEqual({
      ...completion,
      usage: { ...completion.usage, from_cache: true },
    });
  });

  it('refuses values that are not answers', () => {
    expect(decodeAnswer('not json')).toBeUndefined();
    expect(decodeAnswer('{"object":"list"}')).toBeUndefined();
    expect(decodeAnswer('99|short')).toBeUndefined();
  });
});
