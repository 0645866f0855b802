// Streamed chat completions: exact SSE framing, chunk structure, word chunking, usage, tool calls and pacing.
import { expectOpenAIShape, sseData, sseJson, streamedContent } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { defaultSimContent } from '../src/index.js';
import { chatBody, eventCount, postChat, readBody, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

interface Chunk {
  id: string;
  created: number;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

describe('stream: true', () => {
  it('writes exactly the expected SSE bytes for a small stream', async () => {
    const sim = await startSim({ reply: { content: 'Hi there', chunks: 3 } });
    const res = await postChat(sim, chatBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);

    const chunks = sseJson(text) as unknown as Chunk[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const created = chunks[0]?.created ?? 0;
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(5);
    const event = (delta: string, finish: string): string =>
      `data: {"id":"chatcmpl-sim-1","object":"chat.completion.chunk","created":${created},"model":"sim/echo","system_fingerprint":"fp_sim","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
    expect(text).toBe(
      event('{"role":"assistant","content":""}', 'null') +
        event('{"content":"Hi "}', 'null') +
        event('{"content":"the"}', 'null') +
        event('{"content":"re"}', 'null') +
        event('{}', '"stop"') +
        'data: [DONE]\n\n',
    );
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
  });

  it('streams the default content in 5 chunks by default', async () => {
    const sim = await startSim();
    const res = await postChat(sim, chatBody({ stream: true, model: 'deepseek/deepseek-v3.2' }));
    const chunks = sseJson(await res.text()) as unknown as Chunk[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    expect(chunks).toHaveLength(1 + 5 + 1);
    const pieces = chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content as string);
    expect(pieces.join('')).toBe(defaultSimContent('Hello, simulator!'));
    const lengths = pieces.map((piece) => piece.length);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(
      chunks.every((chunk) => (chunk as unknown as { model: string }).model === 'deepseek/deepseek-v3.2'),
    ).toBe(true);
    expect(sim.stats).toMatchObject({ chatRequests: 1, streamRequests: 1 });
  });

  it('never sends empty pieces when the content is shorter than the chunk count', async () => {
    const sim = await startSim({ reply: { content: 'abc', chunks: 10 } });
    const chunks = sseJson(
      await (await postChat(sim, chatBody({ stream: true }))).text(),
    ) as unknown as Chunk[];
    expect(chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content)).toEqual(['a', 'b', 'c']);
  });

  it("chunkBy 'words' streams one content chunk per word, whitespace kept", async () => {
    const content = '  Hello,  word-by-word\nworld! ';
    const sim = await startSim({ reply: { content, chunks: 2, chunkBy: 'words' } });
    const chunks = sseJson(
      await (await postChat(sim, chatBody({ stream: true }))).text(),
    ) as unknown as Chunk[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const pieces = chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content);
    expect(pieces).toEqual(['  Hello,', '  word-by-word', '\nworld! ']);
    expect(pieces.join('')).toBe(content);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it("chunkBy 'words' splits the default content too (the demo's answer)", async () => {
    const sim = await startSim({ reply: { chunkBy: 'words' } });
    const chunks = sseJson(
      await (await postChat(sim, chatBody({ stream: true }))).text(),
    ) as unknown as Chunk[];
    const pieces = chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content);
    expect(pieces).toEqual(['Simulated', ' answer', ' to:', ' Hello,', ' simulator!']);
    expect(pieces.join('')).toBe(defaultSimContent('Hello, simulator!'));
  });

  it('adds a usage chunk with empty choices when stream_options.include_usage is true', async () => {
    const sim = await startSim({ reply: { content: 'twelve chars' } });
    const res = await postChat(sim, chatBody({ stream: true, stream_options: { include_usage: true } }));
    const text = await res.text();
    const payloads = sseData(text);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = sseJson(text) as unknown as Chunk[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((chunk) => !('usage' in chunk))).toBe(true);
  });

  it('streams tool calls: id, type and name first, then argument pieces', async () => {
    const sim = await startSim({ reply: { chunks: 2 } });
    sim.configure({
      toolCalls: [
        { name: 'lookup', arguments: '{"q":"cats"}' },
        { name: 'noop', arguments: '' },
      ],
    });
    const chunks = sseJson(
      await (await postChat(sim, chatBody({ stream: true }))).text(),
    ) as unknown as Chunk[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: null },
      {
        tool_calls: [
          {
            index: 0,
            id: 'call_sim-1_0',
            type: 'function',
            function: { name: 'lookup', arguments: '{"q":"' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: 'cats"}' } }] },
      {
        tool_calls: [
          { index: 1, id: 'call_sim-1_1', type: 'function', function: { name: 'noop', arguments: '' } },
        ],
      },
      {},
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('flushes each chunk as it is produced, pacing them by chunkDelayMs', async () => {
    // Gaps long enough that a busy machine (CI runs the packages' tests in parallel) reading the first
    // events up to 75 ms late still passes, while a sim that buffered to the end fails by the whole stream.
    const sim = await startSim({ reply: { content: 'one two three', chunks: 3, chunkDelayMs: 150 } });
    const started = performance.now();
    const res = await postChat(sim, chatBody({ stream: true }));
    const first = await readBody(res, (text) => eventCount(text) >= 2);
    const firstAt = performance.now() - started;
    expect(first.done).toBe(false);
    const rest = await readBody(res);
    const totalAt = performance.now() - started;
    expect(rest.done).toBe(true);
    // Four gaps (role → 3 pieces → finish) of 150 ms; the first piece arrived long before the end.
    expect(totalAt).toBeGreaterThanOrEqual(550);
    expect(totalAt - firstAt).toBeGreaterThanOrEqual(375);
    const chunks = sseJson(first.text + rest.text) as unknown as Chunk[];
    expect(streamedContent(chunks as unknown as Array<Record<string, unknown>>)).toBe('one two three');
  });
});
