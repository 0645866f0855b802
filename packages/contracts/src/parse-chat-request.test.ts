// The shared request schema: what it accepts unchanged, and how it names the field at fault.
import { caughtSync } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { isGatewayError } from './gateway-error.js';
import { formatParamPath, MAX_REQUEST_DEPTH, parseChatRequest } from './parse-chat-request.js';

function rejection(input: unknown) {
  const error = caughtSync(() => parseChatRequest(input));
  if (isGatewayError(error)) return error;
  throw error;
}

describe('parseChatRequest', () => {
  it('keeps every field, known or not, exactly as sent', () => {
    const input = {
      messages: [
        { role: 'system', content: 's' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', content: 'r', tool_call_id: 'c1' },
      ],
      temperature: 0,
      logit_bias: { '50256': -100 },
      reasoning: { effort: 'high' },
      provider: { order: ['DeepSeek'] },
    };
    expect(parseChatRequest(input)).toEqual(input);
  });

  it.each([
    [{}, 'messages'],
    [{ messages: [] }, 'messages'],
    [{ messages: [{ role: 'user' }] }, 'messages[0].content'],
    [{ messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ messages: [{ role: 'user', content: 'x' }], top_p: 3 }, 'top_p'],
    [{ messages: [{ role: 'user', content: 'x' }], n: 1.5 }, 'n'],
    [{ messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'stop'],
    [{ messages: [{ role: 'user', content: 'x' }], model: '' }, 'model'],
    [
      { messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: 'yes' } },
      'stream_options.include_usage',
    ],
  ])('rejects %j naming %s', (input, param) => {
    const error = rejection(input);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it('rejects non-objects without a param', () => {
    for (const input of [null, 'x', 3, [1]]) expect(rejection(input).param).toBeNull();
  });

  it('rejects nesting deeper than MAX_REQUEST_DEPTH, however deep, without overflowing the stack', () => {
    const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    const body = (depth: number) => ({ messages: [{ role: 'user', content: 'x' }], extra: nested(depth) });
    // The body object is level 1, so `extra` may hold MAX_REQUEST_DEPTH - 1 levels.
    expect(parseChatRequest(body(MAX_REQUEST_DEPTH - 1))).toHaveProperty('extra');
    for (const depth of [MAX_REQUEST_DEPTH, 100_000]) {
      const error = rejection(body(depth));
      expect(error.code).toBe('invalid_request');
      expect(error.message).toBe(`The request is nested deeper than ${MAX_REQUEST_DEPTH} levels.`);
    }
  });

  it('formats paths the way OpenAI names params', () => {
    expect(formatParamPath(['messages', 2, 'content', 0, 'type'])).toBe('messages[2].content[0].type');
    expect(formatParamPath([])).toBeNull();
  });
});
