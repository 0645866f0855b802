// The input parser for chat procedures: typed as TypedChatRequest for callers, validated like REST.
import { type ChatCompletionRequest, parseChatRequest, type TypedChatRequest } from '@llm-gateway/contracts';

/**
 * tRPC reads the phantom `_input`/`_output` types for inference and calls `parse` at run time, so
 * callers get the strict type while the server reuses REST's validator (same messages, same `param`).
 */
interface ChatInputParser {
  _input: TypedChatRequest;
  _output: ChatCompletionRequest;
  parse(raw: unknown): ChatCompletionRequest;
}

export const chatInput = {
  parse: (raw: unknown) => {
    const request = parseChatRequest(raw);
    // The procedure decides whether it streams; a `stream` field sent anyway is dropped.
    delete request.stream;
    return request;
  },
} as ChatInputParser;
