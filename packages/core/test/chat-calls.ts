// Test helper: the chat service's answers as the tests read them (a completion; a lazy chunk iterator).
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '@llm-gateway/contracts';
import { chunksOf } from '../src/chat/chat-stream.js';
import type { CallOptions, ChatService } from '../src/chat/chat-types.js';

/** The completion alone (the call's facts are asserted where they matter). */
export async function completionOf(
  chat: ChatService,
  request: ChatCompletionRequest,
  options?: CallOptions,
): Promise<ChatCompletion> {
  return (await chat.complete(request, options)).completion;
}

/**
 * Every chunk of `chat.stream()`, opened only at the first `next()`: the stream is not started before
 * the test reads it, and `return()` ends it as a consumer's `break` would.
 */
export async function* streamChunks(
  chat: ChatService,
  request: ChatCompletionRequest,
  options?: CallOptions,
): AsyncGenerator<ChatCompletionChunk> {
  yield* chunksOf(await chat.stream(request, options));
}
