// A stream that survives dropped connections: reconnects on its own from the last event id, cancels on purpose.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import { GatewayClientError } from './gateway-client-error.js';
import { iterateSubscription, type SubscriptionCallbacks } from './subscription-iterator.js';

/** One event as tRPC delivers a tracked event: the gateway's event id and the chunk. */
export interface TrackedChunk {
  id: string;
  data: ChatCompletionChunk;
}

export interface StreamInput {
  streamId: string;
  /** The id of the last event received: the gateway continues after it. */
  lastEventId?: string;
}

export interface ResumableStreamCalls {
  streamId: string;
  /** Opens one connection of the stream (tRPC's `chat.stream.subscribe`). */
  subscribe(input: StreamInput, callbacks: SubscriptionCallbacks<TrackedChunk>): { unsubscribe(): void };
  /** Tells the gateway the caller stopped (`chat.cancel`): its upstream call is closed at once. */
  cancel(): Promise<unknown>;
}

export interface ResumableStreamOptions {
  signal?: AbortSignal | undefined;
  /** Bound on each connection attempt (see iterateSubscription). */
  connectTimeoutMs: number;
  /** How long after a drop the client keeps reconnecting before it fails with `stream_interrupted`. */
  resumeTimeoutMs: number;
}

/** Pause before reconnect attempt `n` (0, 100, 200, 400 … 1000 ms): the first one is immediate. */
const pauseBefore = (attempt: number) => (attempt === 0 ? 0 : Math.min(100 * 2 ** (attempt - 1), 1000));

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A drop, or a reconnect that did not connect after one: another attempt may cure it. Anything else is
 * the stream's answer (a first connection that never came up stays `gateway_unreachable`).
 */
function isConnectionFailure(error: unknown, dropped: boolean): boolean {
  if (!(error instanceof GatewayClientError)) return false;
  return error.code === 'stream_interrupted' || (dropped && error.code === 'gateway_unreachable');
}

/**
 * Every chunk exactly once, in order, however often the connection drops: each event carries the
 * gateway's id, and a reconnect asks for the events after the last one received (the gateway keeps
 * the stream running through STREAM_RESUME_GRACE_MS, on any instance sharing Redis). The caller's
 * loop never sees a drop unless reconnecting fails for `resumeTimeoutMs`.
 *
 * Stopping is not a drop: leaving the loop or aborting `signal` sends `chat.cancel`, so the upstream
 * call ends now rather than after the grace period.
 */
export async function* resumableStream(
  calls: ResumableStreamCalls,
  options: ResumableStreamOptions,
): AsyncGenerator<ChatCompletionChunk> {
  const { signal, connectTimeoutMs, resumeTimeoutMs } = options;
  let lastEventId: string | undefined;
  let over = false;
  let dropAt: number | undefined;
  let attempt = 0;
  try {
    for (;;) {
      const input: StreamInput =
        lastEventId === undefined ? { streamId: calls.streamId } : { streamId: calls.streamId, lastEventId };
      const events = iterateSubscription<TrackedChunk>((callbacks) => calls.subscribe(input, callbacks), {
        signal,
        connectTimeoutMs,
        failFast: dropAt !== undefined,
      });
      try {
        for await (const { id, data } of events) {
          dropAt = undefined;
          attempt = 0;
          // The gateway resumes strictly after lastEventId; this only guards against a replay.
          if (lastEventId !== undefined && Number(id) <= Number(lastEventId)) continue;
          lastEventId = id;
          yield data;
        }
        over = true;
        return;
      } catch (error) {
        signal?.throwIfAborted();
        if (!isConnectionFailure(error, dropAt !== undefined)) {
          over = true;
          throw error;
        }
        dropAt ??= Date.now();
        if (Date.now() - dropAt >= resumeTimeoutMs) throw error;
      }
      await sleep(pauseBefore(attempt), signal);
      attempt += 1;
    }
  } finally {
    // The caller stopped (break, abort, or giving up): the gateway must not keep the call for a reconnect.
    if (!over) calls.cancel().catch(() => {});
  }
}
