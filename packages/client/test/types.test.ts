// Type tests: the client's inputs and outputs are pinned (checked by `tsc` in the typecheck task).
import type { ChatCompletion, ChatCompletionChunk, ModelList } from '@llm-gateway/contracts';
import type { HealthBody, MetricsSnapshot } from '@llm-gateway/gateway/api-types';
import { describe, expectTypeOf, it } from 'vitest';
import { createGatewayClient, type GatewayClientError, type GatewayErrorCode } from '../src/index.js';

// Never called: creating a client opens no connection.
const client = createGatewayClient({ url: 'http://127.0.0.1:9' });
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('client types', () => {
  it('pins what calls return', () => {
    expectTypeOf(client.chat.complete).returns.toEqualTypeOf<Promise<ChatCompletion>>();
    expectTypeOf(client.chat.stream).returns.toEqualTypeOf<AsyncGenerator<ChatCompletionChunk>>();
    expectTypeOf(client.chat.streamText).returns.toEqualTypeOf<AsyncGenerator<string>>();
    expectTypeOf(client.health).returns.toEqualTypeOf<Promise<HealthBody>>();
    expectTypeOf(client.metrics).returns.toEqualTypeOf<Promise<MetricsSnapshot>>();
    expectTypeOf(client.models).returns.toEqualTypeOf<Promise<ModelList>>();
    expectTypeOf<ChatCompletion['usage']>().toHaveProperty('from_cache');
  });

  it('pins the error class', () => {
    expectTypeOf<GatewayClientError['code']>().toExtend<string>();
    expectTypeOf<'rate_limit_exceeded'>().toExtend<GatewayClientError['code']>();
    expectTypeOf<'gateway_unreachable'>().toExtend<GatewayClientError['code']>();
    expectTypeOf<GatewayErrorCode>().toExtend<GatewayClientError['code']>();
    expectTypeOf<GatewayClientError['status']>().toEqualTypeOf<number | null>();
    expectTypeOf<GatewayClientError['retryAfter']>().toEqualTypeOf<number | null>();
  });

  it('accepts a well-formed request and rejects wrong fields at compile time', () => {
    expectTypeOf(client.chat.complete).toBeCallableWith({ messages, temperature: 0.2, max_tokens: 5 });
    expectTypeOf(client.chat.stream).toBeCallableWith(
      { messages, model: 'm' },
      { signal: AbortSignal.timeout(1) },
    );
    // Each call below must fail to compile; @ts-expect-error fails the typecheck if one ever compiles.
    const rejected = () => {
      // @ts-expect-error messages are required
      void client.chat.complete({});
      // @ts-expect-error a misspelt parameter
      void client.chat.complete({ messages, temprature: 0.2 });
      // @ts-expect-error a wrong type for a known parameter
      void client.chat.complete({ messages, temperature: 'hot' });
      // @ts-expect-error an unknown role
      void client.chat.complete({ messages: [{ role: 'robot', content: 'hi' }] });
      // @ts-expect-error whether it streams is the method's choice, not a field
      void client.chat.complete({ messages, stream: true });
      // @ts-expect-error content must be text or parts
      void client.chat.stream({ messages: [{ role: 'user', content: 42 }] });
    };
    expectTypeOf(rejected).toBeFunction();
  });
});
