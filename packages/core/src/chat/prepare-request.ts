// Builds the upstream body from a validated client request: model defaulted, stream flags set, all else as sent.
import type { ChatCompletionRequest } from '@llm-gateway/contracts';
import type { UpstreamBody } from '../upstream/upstream-client.js';

/** The request with `model` filled in; every other field is forwarded unchanged. */
export function withModel(request: ChatCompletionRequest, defaultModel: string): UpstreamBody {
  return { ...request, model: request.model ?? defaultModel };
}

/** A non-stream upstream body (used when the client asked for a stream but streaming is disabled). */
export function asNonStream(body: UpstreamBody): UpstreamBody {
  const { stream: _stream, stream_options: _options, ...rest } = body;
  return { ...rest, model: body.model };
}

/** Whether the client asked for a final usage chunk. */
export function wantsUsage(request: ChatCompletionRequest): boolean {
  return request.stream_options?.include_usage === true;
}
