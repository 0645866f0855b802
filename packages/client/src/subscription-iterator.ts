// Turns a tRPC subscription (callbacks) into an async generator, with a bound on connecting.
import { GatewayClientError, gatewayErrorIn, toClientError } from './gateway-client-error.js';

/** The part of tRPC's connection state this module reads. */
export interface ConnectionState {
  state: 'idle' | 'connecting' | 'pending';
  error: unknown;
}

export interface SubscriptionCallbacks<T> {
  onData: (value: T) => void;
  onError: (error: unknown) => void;
  onComplete: () => void;
  onConnectionStateChange: (state: ConnectionState) => void;
}

export interface IterateOptions {
  signal?: AbortSignal | undefined;
  /** Give up when no connection is established within this time (EventSource would retry forever). */
  connectTimeoutMs: number;
  /**
   * A failed connection attempt ends the iteration at once (`stream_interrupted`) instead of waiting
   * for the EventSource's own retry, 3 s later: for a reconnect, whose caller paces its attempts.
   */
  failFast?: boolean | undefined;
}

/**
 * Values in order, then the end; a server error (after the values that preceded it) is thrown as a
 * GatewayClientError. Leaving the loop early, or aborting `signal`, unsubscribes (closes the
 * connection).
 *
 * One connection only: a 5xx error event (which tRPC would retry by reopening the same input) is
 * thrown as is, and a connection that drops after it was established is thrown as
 * `stream_interrupted` at once, so the caller decides how to reconnect (resumable-stream.ts resumes
 * from the last event id) instead of the EventSource retrying blindly after 3 s.
 */
export async function* iterateSubscription<T>(
  subscribe: (callbacks: SubscriptionCallbacks<T>) => { unsubscribe(): void },
  options: IterateOptions,
): AsyncGenerator<T> {
  const { signal, connectTimeoutMs, failFast = false } = options;
  signal?.throwIfAborted();
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let connected = false;
  let wake: (() => void) | undefined;

  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const finish = (error?: unknown) => {
    if (ended) return;
    ended = true;
    failure = error;
    notify();
  };
  const connectTimer = setTimeout(
    () =>
      finish(
        new GatewayClientError(
          'gateway_unreachable',
          `No stream connection to the gateway within ${connectTimeoutMs} ms.`,
        ),
      ),
    connectTimeoutMs,
  );
  const onAbort = () => notify();
  signal?.addEventListener('abort', onAbort, { once: true });

  const subscription = subscribe({
    onData: (value) => {
      queue.push(value);
      notify();
    },
    onError: (error) => finish(toClientError(error)),
    onComplete: () => finish(),
    onConnectionStateChange: (state) => {
      // tRPC reconnects after a 5xx error event; the stream cannot restart, so that error is final.
      const fromGateway = gatewayErrorIn(state.error);
      if (fromGateway) finish(fromGateway);
      else if (state.state === 'pending') {
        connected = true;
        clearTimeout(connectTimer);
      } else if (state.state === 'connecting' && (connected || (failFast && state.error))) {
        finish(
          new GatewayClientError('stream_interrupted', 'The connection to the gateway dropped mid-stream.', {
            cause: state.error ?? undefined,
          }),
        );
      }
    },
  });

  try {
    for (;;) {
      signal?.throwIfAborted();
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (failure !== undefined) throw failure;
  } finally {
    clearTimeout(connectTimer);
    signal?.removeEventListener('abort', onAbort);
    subscription.unsubscribe();
  }
}
