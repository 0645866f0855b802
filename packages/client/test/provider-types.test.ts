// Type tests for issue 17: provider parameters, `extra`, reasoning fields, streamParts and the apiKey function.
import type { ChatCompletionChunk, ChatCompletionMessage, ReasoningDetail } from '@llm-gateway/contracts';
import { describe, expectTypeOf, it } from 'vitest';
import { type ApiKey, createGatewayClient, type StreamPart, type TypedChatRequest } from '../src/index.js';

// Never called: creating a client opens no connection.
const client = createGatewayClient({ url: 'http://127.0.0.1:9', apiKey: async () => 'rotated' });
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('provider parameter types', () => {
  it('accepts OpenAI parameters, provider extensions and `extra`', () => {
    expectTypeOf(client.chat.complete).toBeCallableWith({
      messages,
      reasoning_effort: 'high',
      service_tier: 'flex',
      logprobs: true,
      top_logprobs: 3,
      logit_bias: { '50256': -100 },
      prediction: { type: 'content', content: 'draft' },
      parallel_tool_calls: false,
      metadata: { team: 'bots' },
      reasoning: { effort: 'high', max_tokens: 2000, exclude: false, enabled: true },
      provider: {
        order: ['deepseek'],
        allow_fallbacks: false,
        require_parameters: true,
        data_collection: 'deny',
        only: ['deepseek'],
        ignore: ['azure'],
        sort: 'throughput',
      },
      transforms: ['middle-out'],
      models: ['deepseek/deepseek-r1', 'openai/gpt-4o'],
      route: 'fallback',
      usage: { include: true },
      thinking: { type: 'disabled' },
      extra: { foo: 1, anything: { nested: [true] } },
    });
    expectTypeOf<TypedChatRequest['extra']>().toEqualTypeOf<Record<string, unknown> | undefined>();
  });

  it('rejects wrong values for typed provider fields at compile time', () => {
    const rejected = () => {
      // @ts-expect-error an effort OpenRouter does not know
      void client.chat.complete({ messages, reasoning: { effort: 'extreme' } });
      // @ts-expect-error DeepSeek's thinking is enabled or disabled
      void client.chat.complete({ messages, thinking: { type: 'on' } });
      // @ts-expect-error provider.order is a list of names
      void client.chat.complete({ messages, provider: { order: 'deepseek' } });
      // @ts-expect-error a misspelt provider field
      void client.chat.complete({ messages, provider: { allow_fallback: false } });
      // @ts-expect-error `extra` is an object of fields
      void client.chat.complete({ messages, extra: 'foo=1' });
      // @ts-expect-error an unknown top-level field still fails: it belongs in `extra`
      void client.chat.complete({ messages, foo: 1 });
    };
    expectTypeOf(rejected).toBeFunction();
  });
});

describe('reasoning in answers', () => {
  it('types reasoning_content, reasoning and reasoning_details on the message and the delta', () => {
    expectTypeOf<ChatCompletionMessage['reasoning_content']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ChatCompletionMessage['reasoning']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ChatCompletionMessage['reasoning_details']>().toEqualTypeOf<
      ReasoningDetail[] | null | undefined
    >();
    type Delta = ChatCompletionChunk['choices'][number]['delta'];
    expectTypeOf<Delta['reasoning_content']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Delta['reasoning']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Delta['reasoning_details']>().toEqualTypeOf<ReasoningDetail[] | null | undefined>();
  });

  it('streamParts yields tagged reasoning and content', () => {
    expectTypeOf(client.chat.streamParts).returns.toEqualTypeOf<AsyncGenerator<StreamPart>>();
    expectTypeOf<StreamPart>().toEqualTypeOf<
      { type: 'reasoning'; text: string } | { type: 'content'; text: string }
    >();
  });
});

describe('apiKey', () => {
  it('is a string or a function, sync or async', () => {
    expectTypeOf<string>().toExtend<ApiKey>();
    expectTypeOf<() => string>().toExtend<ApiKey>();
    expectTypeOf<() => Promise<string>>().toExtend<ApiKey>();
    expectTypeOf<() => number>().not.toExtend<ApiKey>();
  });
});
