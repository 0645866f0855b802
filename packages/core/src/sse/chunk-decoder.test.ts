// Tests for decodeChunkEvent: the end marker, valid chunks, mid-stream error events and garbage.
import { GatewayError } from '@llm-gateway/contracts';
import { caughtSync } from '@llm-gateway/test-support';
import { describe, expect, it } from 'vitest';
import { decodeChunkEvent } from './chunk-decoder.js';

const CHUNK = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-test',
  choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null }],
};

function thrown(data: string): GatewayError {
  const error = caughtSync(() => decodeChunkEvent(data));
  if (error instanceof GatewayError) return error;
  throw error;
}

describe('decodeChunkEvent', () => {
  it('returns done for the [DONE] marker', () => {
    expect(decodeChunkEvent('[DONE]')).toBe('done');
    expect(decodeChunkEvent(' [DONE] ')).toBe('done');
  });

  it('returns a chunk as sent, unknown fields included', () => {
    const sent = { ...CHUNK, provider: 'x' };
    expect(decodeChunkEvent(JSON.stringify(sent))).toEqual(sent);
  });

  it('accepts the usage chunk, whose choices are empty', () => {
    const usageChunk = {
      ...CHUNK,
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    };
    expect(decodeChunkEvent(JSON.stringify(usageChunk))).toEqual(usageChunk);
  });

  it('accepts a chunk with "error": null', () => {
    expect(decodeChunkEvent(JSON.stringify({ ...CHUNK, error: null }))).toMatchObject({ id: 'chatcmpl-1' });
  });

  it("throws upstream_error with the provider's message for an error event", () => {
    const error = thrown(JSON.stringify({ error: { message: 'Provider overloaded', code: 502 } }));
    expect(error.code).toBe('upstream_error');
    expect(error.status).toBe(502);
    expect(error.message).toBe('Provider overloaded');
  });

  it('throws upstream_error with a generic message when the provider gave none', () => {
    for (const data of ['{"error":{"code":500}}', '{"error":{"message":42}}', '{"error":true}']) {
      const error = thrown(data);
      expect(error.code).toBe('upstream_error');
      expect(error.message).toBe('The upstream reported an error mid-stream.');
    }
    expect(thrown('{"error":"plain text"}').message).toBe('plain text');
  });

  it('throws upstream_bad_response for data that is not a chunk', () => {
    for (const data of [
      'not json',
      '{"id":',
      '',
      '42',
      'null',
      '"text"',
      '[1,2]',
      '{"id":"x"}',
      '{"choices":{}}',
    ]) {
      const error = thrown(data);
      expect(error.code, data).toBe('upstream_bad_response');
      expect(error.message).toBe('The upstream sent an invalid stream event.');
    }
  });
});
