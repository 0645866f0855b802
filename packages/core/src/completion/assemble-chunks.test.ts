// Tests for ChunkAssembler: upstream-style deltas, incomplete streams, and the completionToChunks round trip.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionUsage,
} from '@llm-gateway/contracts';
import { expectOpenAIShape, openAISchemaErrors } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { ChunkAssembler } from './assemble-chunks.js';
import { completionToChunks } from './completion-to-chunks.js';

const TEXT_AND_TOOLS: ChatCompletion = {
  id: 'chatcmpl-round',
  object: 'chat.completion',
  created: 1_700_000_123,
  model: 'gpt-test',
  system_fingerprint: 'fp_2',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'héllo — 你好 🎉', refusal: null },
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
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, from_cache: false },
};

function chunk(
  choices: ChatCompletionChunkChoice[],
  extra: Partial<ChatCompletionChunk> = {},
): ChatCompletionChunk {
  return { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra };
}

function assemble(chunks: ChatCompletionChunk[]): ChatCompletion | undefined {
  const assembler = new ChunkAssembler();
  for (const c of chunks) assembler.push(c);
  return assembler.result();
}

describe('ChunkAssembler', () => {
  it('round-trips completionToChunks (text and tool calls, n=2), with and without usage', () => {
    expect(assemble(completionToChunks(TEXT_AND_TOOLS, { includeUsage: true }))).toStrictEqual(
      TEXT_AND_TOOLS,
    );
    expect(assemble(completionToChunks(TEXT_AND_TOOLS, { includeUsage: false }))).toStrictEqual({
      ...TEXT_AND_TOOLS,
      usage: { from_cache: false },
    });
  });

  it('round-trips a refusal, an empty answer and logprobs', () => {
    const logprobs = {
      content: [{ token: 'a', logprob: -0.1, bytes: [97], top_logprobs: [] }],
      refusal: null,
    };
    const completion: ChatCompletion = {
      ...TEXT_AND_TOOLS,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: 'No.' },
          logprobs: null,
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: '', refusal: null },
          logprobs,
          finish_reason: 'length',
        },
      ],
    };
    expect(assemble(completionToChunks(completion, { includeUsage: true }))).toStrictEqual(completion);
  });

  it("produces a completion that matches OpenAI's response schema", () => {
    const result = assemble(completionToChunks(TEXT_AND_TOOLS, { includeUsage: true }));
    expectOpenAIShape('CreateChatCompletionResponse', result);
    // OpenAI's schema requires `refusal` (nullable) and `logprobs` (nullable), which is why both are always set.
    const withoutRefusal = structuredClone(result);
    if (withoutRefusal?.choices[0] !== undefined) delete withoutRefusal.choices[0].message.refusal;
    expect(openAISchemaErrors('CreateChatCompletionResponse', withoutRefusal)).not.toEqual([]);
  });

  it('merges upstream-style deltas: content pieces, tool-call arguments by index, usage chunk', () => {
    const result = assemble([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], {
        system_fingerprint: 'fp_up',
      }),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }]),
      chunk([
        {
          index: 1,
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
            ],
          },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 1,
          delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 1,
          delta: { tool_calls: [{ index: 1, id: 'call_2', function: { name: 'g' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 1,
          delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] },
          finish_reason: null,
        },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, from_cache: false } }),
    ]);
    expect(result).toStrictEqual({
      id: 'chatcmpl-up',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      system_fingerprint: 'fp_up',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null },
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
              { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
              { id: 'call_2', type: 'function', function: { name: 'g', arguments: '' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, from_cache: false },
    });
  });

  it('marks upstream usage without from_cache as not from cache', () => {
    const upstreamUsage = {
      prompt_tokens: 1,
      completion_tokens: 1,
      total_tokens: 2,
    } as Record<string, unknown> as ChatCompletionUsage; // as an upstream sends it, without from_cache
    const result = assemble([
      chunk([{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }]),
      chunk([], { usage: upstreamUsage }),
    ]);
    expect(result?.usage).toStrictEqual({
      prompt_tokens: 1,
      completion_tokens: 1,
      total_tokens: 2,
      from_cache: false,
    });
  });

  it('has no result until every choice has a finish_reason', () => {
    const assembler = new ChunkAssembler();
    expect(assembler.result()).toBeUndefined();
    assembler.push(chunk([{ index: 0, delta: { content: 'a' }, finish_reason: null }]));
    assembler.push(chunk([{ index: 1, delta: { content: 'b' }, finish_reason: '' }]));
    assembler.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    expect(assembler.result()).toBeUndefined();
    assembler.push(chunk([{ index: 1, delta: {}, finish_reason: 'length' }]));
    expect(assembler.result()?.choices.map((c) => c.message.content)).toEqual(['a', 'b']);
  });

  it('joins every string field piece by piece, in the order the fields first came; a non-string value replaces them', () => {
    const assembler = new ChunkAssembler();
    const push = (delta: Record<string, unknown>, finish: string | null = null) =>
      assembler.push(chunk([{ index: 0, delta, finish_reason: finish }]));
    push({ role: 'assistant', reasoning_content: 'Thin', content: '' });
    push({ reasoning_content: 'k' });
    push({ reasoning_content: 'ing' });
    push({ content: 'A', note: 'x' });
    push({ content: 'B', note: 'x2' });
    push({ note: { kept: false } });
    push({ note: 'y' });
    push({ note: 'z', content: 'C' }, 'stop');
    const message = assembler.result()?.choices[0]?.message;
    expect(message).toEqual({
      role: 'assistant',
      content: 'ABC',
      reasoning_content: 'Thinking',
      note: 'yz',
      refusal: null,
    });
    expect(Object.keys(message ?? {})).toEqual(['role', 'content', 'reasoning_content', 'note', 'refusal']);
    // result() leaves the state as it was: asked again, or after more pieces, it is still exact.
    expect(assembler.result()?.choices[0]?.message.content).toBe('ABC');
    push({ content: 'D' }, 'stop');
    expect(assembler.result()?.choices[0]?.message.content).toBe('ABCD');
  });

  it('has no result for a stream of only a usage chunk', () => {
    expect(assemble([chunk([], { usage: null })])).toBeUndefined();
  });
});
