// Tests for completionToChunks: chunk order and shape, usage handling, and OpenAI's stream-chunk schema.
import type { ChatCompletion } from '@llm-gateway/contracts';
import { expectOpenAIShape, openAISchemaErrors } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { completionToChunks } from './completion-to-chunks.js';

const COMPLETION: ChatCompletion = {
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-test',
  system_fingerprint: 'fp_1',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello there', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
    {
      index: 1,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, from_cache: true },
};

const HEADER = {
  id: 'chatcmpl-abc',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-test',
  system_fingerprint: 'fp_1',
};

describe('completionToChunks', () => {
  it('sends content chunks, then finish chunks, then the usage chunk', () => {
    expect(completionToChunks(COMPLETION, { includeUsage: true })).toStrictEqual([
      {
        ...HEADER,
        usage: null,
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: 'Hello there' },
            logprobs: null,
            finish_reason: null,
          },
        ],
      },
      {
        ...HEADER,
        usage: null,
        choices: [
          {
            index: 1,
            delta: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  index: 0,
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
              ],
            },
            logprobs: null,
            finish_reason: null,
          },
        ],
      },
      { ...HEADER, usage: null, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
      {
        ...HEADER,
        usage: null,
        choices: [{ index: 1, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
      },
      {
        ...HEADER,
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, from_cache: true },
      },
    ]);
  });

  it('has no usage key at all without includeUsage', () => {
    const chunks = completionToChunks(COMPLETION, { includeUsage: false });
    expect(chunks).toHaveLength(4);
    for (const chunk of chunks) expect(Object.hasOwn(chunk, 'usage')).toBe(false);
  });

  it('sends a non-null refusal in the delta', () => {
    const refused: ChatCompletion = {
      ...COMPLETION,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    };
    const [first] = completionToChunks(refused, { includeUsage: false });
    expect(first?.choices[0]?.delta).toStrictEqual({
      role: 'assistant',
      content: null,
      refusal: 'I cannot help with that.',
    });
  });

  it('never leaves a stream without a finish_reason', () => {
    const unfinished: ChatCompletion = {
      ...COMPLETION,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: null }],
    };
    const chunks = completionToChunks(unfinished, { includeUsage: false });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it("produces chunks that match OpenAI's stream-chunk schema", () => {
    // The validator is not vacuous: a chunk without choices is rejected.
    expect(openAISchemaErrors('CreateChatCompletionStreamResponse', { ...HEADER })).not.toEqual([]);
    for (const includeUsage of [true, false]) {
      for (const chunk of completionToChunks(COMPLETION, { includeUsage })) {
        expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
      }
    }
  });
});
