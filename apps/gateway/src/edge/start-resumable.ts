// Opens a chat stream that outlives its connection and records it for reconnects: the step both adapters share.
import type { ChatCompletionRequest } from '@llm-gateway/contracts';
import type { CacheMode, CallFacts, ChatService, KeyPolicy, ResumableStreams } from '@llm-gateway/core';
import type { Drain } from './drain.js';
import { openEdgeCall } from './edge-call.js';

export interface StartResumableInput {
  chat: ChatService;
  resumable: ResumableStreams;
  drain: Drain;
  /** The id a reconnect names (a tRPC ticket's, or a fresh UUID for REST). */
  id: string;
  request: ChatCompletionRequest;
  requestId: string;
  cache: CacheMode;
  clientId: string | undefined;
  /** The caller's key settings: budgets, models and token limits hold for resumable streams too. */
  caller: KeyPolicy | undefined;
  /** The connection that asked: while the stream is opening its loss aborts it (nobody has the id yet). */
  connection?: AbortSignal | undefined;
}

/**
 * Resolves with the call's facts once the first chunk is in hand, as `chat.stream` does (anything that
 * fails before it rejects, for a proper status). From then on the upstream call follows only the
 * shutdown drain and the resumable streams' cancel and grace period, not the connection.
 */
export async function startResumable(input: StartResumableInput): Promise<CallFacts> {
  const { chat, resumable, connection } = input;
  const opening = new AbortController();
  const onGone = () => opening.abort();
  if (connection?.aborted) opening.abort();
  else connection?.addEventListener('abort', onGone, { once: true });
  const call = openEdgeCall({
    requestId: input.requestId,
    cache: input.cache,
    clientId: input.clientId,
    caller: input.caller,
    drain: input.drain,
    clientSignal: opening.signal,
  });
  try {
    const stream = await chat.stream({ ...input.request, stream: true }, call.options);
    resumable.start({
      id: input.id,
      owner: input.clientId,
      stream,
      signal: call.options.signal,
      failure: call.failure,
      onFinish: call.end,
    });
    return stream.facts;
  } catch (error) {
    call.end();
    throw call.failure(error);
  } finally {
    connection?.removeEventListener('abort', onGone);
  }
}
