// Arbitraries for fuzzed request bodies: valid, mutated, truncated, not UTF-8, oversized and odd; REST and tRPC.
import fc from 'fast-check';
import { BODY_LIMIT } from './fuzz-gateway.js';

/**
 * Nesting depth of generated JSON values: far past the gateway's limit (64) and past the depth
 * (~4,000) at which unbounded recursion used to overflow the stack and open the breaker.
 */
const MAX_NESTING = 6000;

export const chars = (min: number, max: number) =>
  fc.integer({ min, max }).map((c) => String.fromCharCode(c));
/** Any code point, lone surrogates included (JSON.stringify escapes them). */
const anyText = (maxLength = 40) => fc.string({ unit: 'binary', maxLength });
export const printable = fc.string({ unit: chars(0x20, 0x7e), maxLength: 60 });

const message = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'system', 'developer'), content: anyText() }),
  fc.record({
    role: fc.constant('user'),
    content: fc.array(fc.record({ type: fc.constant('text'), text: anyText() }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(anyText(), { nil: null }) }),
);

/** A request the gateway must accept. */
export const chatBody = fc.record(
  {
    model: fc.constantFrom('deepseek/deepseek-v3.2', 'sim/echo', 'some/model'),
    messages: fc.array(message, { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    user: printable,
    stop: fc.oneof(printable, fc.array(printable, { maxLength: 3 })),
    seed: fc.integer(),
    metadata: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['messages'] },
);

/** A deeply nested value, written out as text: JSON.stringify in this worker overflows long before the gateway. */
class Deep {
  constructor(
    readonly depth: number,
    readonly asArray: boolean,
  ) {}
  text(): string {
    const { depth, asArray } = this;
    return asArray
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
}

/** JSON text of a generated body, with every Deep value spelt out in place. */
function toJson(value: unknown): string {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Deep ? `\u0000deep${deep.push(v) - 1}` : v,
  );
  return text.replace(
    /"\\u0000deep(\d+)"/g,
    (_match, index: string) => deep[Number(index)]?.text() ?? 'null',
  );
}

const nested = fc
  .tuple(fc.integer({ min: 1, max: MAX_NESTING }), fc.boolean())
  .map(([depth, asArray]) => new Deep(depth, asArray));

const weirdValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    1e308,
    -1e308,
    2 ** 53 + 2,
    Number.MIN_VALUE,
    -1,
    0,
    0.5,
    3,
    '',
    'null',
    true,
    null,
    [],
    {},
  ),
  anyText(200),
  nested,
);

const MUTATION_TARGETS = [
  'model',
  'messages',
  'stream',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'user',
  'seed',
  'tools',
  'tool_choice',
  'response_format',
  'stream_options',
  '__proto__',
  'constructor',
  'messages.0',
  'messages.0.role',
  'messages.0.content',
  'messages.0.name',
  'messages.0.tool_calls',
] as const;

/** A valid request with one field set to a wrong type, a huge number, odd text or deep nesting (or removed). */
const mutatedChatBody = fc
  .tuple(chatBody, fc.constantFrom(...MUTATION_TARGETS), weirdValue, fc.boolean())
  .map(([body, target, value, remove]) => {
    // Computed keys define own properties, so even `__proto__` ends up in the JSON text.
    const copy: Record<string, unknown> = { ...body, messages: body.messages.map((m) => ({ ...m })) };
    const [head, index, field] = target.split('.');
    if (head === undefined) return copy;
    if (index === undefined) {
      if (remove) delete copy[head];
      else Object.defineProperty(copy, head, { value, enumerable: true, writable: true, configurable: true });
      return copy;
    }
    const messages = copy.messages as unknown[];
    if (field === undefined) messages[0] = value;
    else if (remove) delete (messages[0] as Record<string, unknown>)[field];
    else (messages[0] as Record<string, unknown>)[field] = value;
    return copy;
  });

/** Number spellings JSON.stringify cannot produce (some are not JSON at all). */
const numberLiteralBody = fc
  .tuple(
    fc.constantFrom('temperature', 'max_tokens', 'seed', 'top_p', 'n'),
    fc.constantFrom(
      '1e400',
      '-1e400',
      '1e-400',
      '99999999999999999999',
      '-0',
      '1.0',
      '0x10',
      'NaN',
      '.5',
      '01',
    ),
  )
  .map(([key, literal]) => `{"messages":[{"role":"user","content":"n"}],"${key}":${literal}}`);

const truncatedBody = fc.tuple(chatBody, fc.nat()).map(([body, cut]) => {
  const text = JSON.stringify(body);
  return text.slice(0, cut % text.length);
});

/** Bytes that are not UTF-8 inside an otherwise valid request. */
const invalidUtf8Body = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) =>
    Buffer.concat([
      Buffer.from('{"messages":[{"role":"user","content":"'),
      Buffer.from(bytes.map((b) => (b === 0x22 || b === 0x5c ? 0xff : b))),
      Buffer.from('"}]}'),
    ]),
  );

const oversizedBody = fc
  .integer({ min: BODY_LIMIT, max: BODY_LIMIT * 2 })
  .map((size) => JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(size) }] }));

const oddBody = fc.constantFrom(
  '',
  ' ',
  'null',
  '{}',
  '[]',
  '"messages"',
  '\ufeff{"messages":[{"role":"user","content":"bom"}]}',
  '{"messages":[{"role":"user","content":"dup"}],"messages":5}',
  '{"messages":[{"role":"user","content":"x"}]} trailing',
);

export type Body = string | Uint8Array;

export const restBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: chatBody.map((b) => JSON.stringify(b)) },
  { weight: 6, arbitrary: mutatedChatBody.map((b) => toJson(b)) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: numberLiteralBody },
  { weight: 2, arbitrary: truncatedBody },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 1, arbitrary: invalidUtf8Body },
  { weight: 1, arbitrary: anyText(100) },
  { weight: 1, arbitrary: oversizedBody },
  { weight: 1, arbitrary: oddBody },
);

/** tRPC bodies carry the input under `json` (superjson); batches key inputs by index. */
export const trpcBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: chatBody.map((b) => JSON.stringify({ json: b })) },
  { weight: 4, arbitrary: mutatedChatBody.map((b) => toJson({ json: b })) },
  { weight: 1, arbitrary: chatBody.map((b) => JSON.stringify({ 0: { json: b } })) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify({ json: v })) },
  { weight: 2, arbitrary: restBody },
);
