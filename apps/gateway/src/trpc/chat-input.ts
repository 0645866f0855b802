// The input parser for chat procedures: typed as TypedChatRequest for callers, validated like REST.
import {
  type ChatCompletionRequest,
  GatewayError,
  parseChatRequest,
  type TypedChatRequest,
} from '@llm-gateway/contracts';

/**
 * tRPC reads the phantom `_input`/`_output` types for inference and calls `parse` at run time, so
 * callers get the strict type while the server reuses REST's validator (same messages, same `param`).
 */
interface ChatInputParser {
  _input: TypedChatRequest;
  _output: ChatCompletionRequest;
  parse(raw: unknown): ChatCompletionRequest;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `extra`'s fields moved to the top level, as the OpenAI SDK's `extra_body` puts them, so the merged
 * body is what REST would have received. A key also set as a typed field is refused rather than
 * silently overriding one of the two (which one the caller meant is not knowable); so is `stream`,
 * which the procedure decides.
 */
function mergeExtra(raw: unknown): unknown {
  if (!isPlainObject(raw) || !Object.hasOwn(raw, 'extra')) return raw;
  const { extra, ...typed } = raw;
  if (extra === undefined) return typed;
  if (!isPlainObject(extra)) {
    throw new GatewayError('invalid_request', "'extra' must be an object of fields for the upstream.", {
      param: 'extra',
    });
  }
  for (const key of Object.keys(extra)) {
    if (key === 'stream' || Object.hasOwn(typed, key)) {
      const why =
        key === 'stream' ? 'the procedure decides whether it streams' : 'it is also set as a typed field';
      throw new GatewayError('invalid_request', `Invalid 'extra.${key}': ${why}.`, { param: `extra.${key}` });
    }
  }
  return { ...typed, ...extra };
}

export const chatInput = {
  parse: (raw: unknown) => {
    const request = parseChatRequest(mergeExtra(raw));
    // The procedure decides whether it streams; a `stream` field sent anyway is dropped.
    delete request.stream;
    return request;
  },
} as ChatInputParser;
