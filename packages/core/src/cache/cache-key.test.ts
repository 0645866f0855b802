// Tests for the cache key: canonical JSON (key order, whitespace), ignored fields, answer-changing fields.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CACHE_KEY_VERSION, cacheKey } from './cache-key.js';

const PREFIX = 'llm-gateway:cache:';

type Body = Record<string, unknown> & { model: string };

/** A request that sets every answer-changing field, so each can be changed or removed in turn. */
function fullBody(): Body {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    ],
    temperature: 0.2,
    top_p: 0.9,
    max_tokens: 100,
    max_completion_tokens: 120,
    stop: ['\n\n'],
    tools: [
      {
        type: 'function',
        function: {
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
    tool_choice: 'auto',
    response_format: { type: 'text' },
    seed: 7,
    n: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    logit_bias: { '50256': -100 },
    logprobs: false,
    top_logprobs: 0,
    parallel_tool_calls: true,
    reasoning: { effort: 'low' },
    reasoning_effort: 'low',
    service_tier: 'default',
    x_vendor_option: 'a',
  };
}

const key = (body: Body) => cacheKey(body, PREFIX);

describe('cacheKey', () => {
  it('is the prefix, the format version and a sha256', () => {
    const result = key(fullBody());
    expect(CACHE_KEY_VERSION).toBe('v1');
    expect(result).toMatch(new RegExp(`^${PREFIX}${CACHE_KEY_VERSION}:[0-9a-f]{64}$`));
  });

  it("hashes v1's canonical text exactly: sorted keys at every depth, JSON.stringify's rules otherwise", () => {
    // Pinned: a change to this text is a new key format, which must bump CACHE_KEY_VERSION.
    const body: Body = {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'Grüße "du" \n' }],
      logit_bias: { '10': 1, '9': -1 },
      stop: ['a', undefined, 2, null],
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      n: undefined,
    };
    const canonical =
      '{"logit_bias":{"10":1,"9":-1},"messages":[{"content":"Grüße \\"du\\" \\n","role":"user"}],' +
      '"model":"m","stop":["a",null,2,null],"tools":[{"function":{"name":"f","parameters":{}},"type":"function"}]}';
    const digest = createHash('sha256').update(canonical).digest('hex');
    expect(key(body)).toBe(`${PREFIX}v1:${digest}`);
  });

  it('changes only the prefix part for another prefix', () => {
    const other = cacheKey(fullBody(), 'other:');
    expect(other.startsWith(`other:${CACHE_KEY_VERSION}:`)).toBe(true);
    expect(other.slice('other:'.length)).toBe(key(fullBody()).slice(PREFIX.length));
  });

  it('does not depend on key order or whitespace in the client JSON, at any depth', () => {
    const compact =
      '{"model":"m","temperature":0.5,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},' +
      '{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",' +
      '"function":{"name":"f","arguments":"{}"}}]}],' +
      '"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","required":["a"]}}}]}';
    const reordered = `{
      "tools": [ { "function": { "parameters": { "required": [ "a" ], "type": "object" }, "name": "f" },
                   "type": "function" } ],
      "messages": [
        { "content": [ { "text": "hi", "type": "text" } ], "role": "user" },
        { "tool_calls": [ { "function": { "arguments": "{}", "name": "f" }, "type": "function", "id": "c1" } ],
          "content": null, "role": "assistant" }
      ],
      "temperature": 0.5,
      "model": "m"
    }`;
    expect(compact).not.toBe(reordered);
    expect(key(JSON.parse(compact) as Body)).toBe(key(JSON.parse(reordered) as Body));
  });

  it('treats the same number written differently as the same value', () => {
    const a = JSON.parse('{"model":"m","messages":[],"temperature":1}') as Body;
    const b = JSON.parse('{"model":"m","messages":[],"temperature":1.0}') as Body;
    expect(key(a)).toBe(key(b));
  });

  it('ignores fields that do not change the answer', () => {
    const base = key(fullBody());
    const ignored: Record<string, unknown> = {
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-1234',
      safety_identifier: 'hash-of-user',
      metadata: { team: 'search' },
      store: true,
      prompt_cache_key: 'tenant-a',
    };
    for (const [field, value] of Object.entries(ignored)) {
      expect(key({ ...fullBody(), [field]: value }), field).toBe(base);
    }
    expect(key({ ...fullBody(), ...ignored })).toBe(base);
    expect(key({ ...fullBody(), stream: false, user: 'someone-else' })).toBe(base);
  });

  it('treats an undefined field as absent, as JSON does', () => {
    const { seed: _seed, ...withoutSeed } = fullBody();
    expect(key({ ...fullBody(), seed: undefined })).toBe(key(withoutSeed));
  });

  const changes: Record<string, unknown> = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Rome?' }] },
    ],
    temperature: 0.3,
    top_p: 1,
    max_tokens: 101,
    max_completion_tokens: 121,
    stop: ['\n'],
    tools: [
      {
        type: 'function',
        function: {
          name: 'weather',
          parameters: { type: 'object', properties: { town: { type: 'string' } } },
        },
      },
    ],
    tool_choice: 'required',
    response_format: { type: 'json_object' },
    seed: 8,
    n: 2,
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    logit_bias: { '50256': 100 },
    logprobs: true,
    top_logprobs: 3,
    parallel_tool_calls: false,
    reasoning: { effort: 'high' },
    reasoning_effort: 'high',
    service_tier: 'flex',
    x_vendor_option: 'b',
  };

  it.each(Object.entries(changes))('changes when %s changes', (field, value) => {
    const base = key(fullBody());
    expect(key({ ...fullBody(), [field]: value })).not.toBe(base);
  });

  it.each(Object.keys(changes).filter((field) => field !== 'model'))(
    'changes when %s is left out',
    (field) => {
      const body = fullBody();
      delete body[field];
      expect(key(body)).not.toBe(key(fullBody()));
    },
  );

  it('gives every single change its own key', () => {
    const keys = Object.entries(changes).map(([field, value]) => key({ ...fullBody(), [field]: value }));
    expect(new Set([key(fullBody()), ...keys]).size).toBe(keys.length + 1);
  });

  it('keeps array order significant', () => {
    const body = fullBody();
    const swapped = { ...body, messages: [...(body.messages as unknown[])].reverse() };
    expect(key(swapped)).not.toBe(key(body));
  });

  it('tells a null field from an absent one', () => {
    const { temperature: _temperature, ...withoutTemperature } = fullBody();
    expect(key({ ...fullBody(), temperature: null })).not.toBe(key(withoutTemperature));
  });

  it('tells a value from the same value nested differently', () => {
    const a: Body = { model: 'm', messages: [], x: { a: 1 } };
    const b: Body = { model: 'm', messages: [], x: '{"a":1}' };
    expect(key(a)).not.toBe(key(b));
  });
});
