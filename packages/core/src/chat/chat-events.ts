// The chat service's one event stream: what logs and metrics subscribe to (the service itself never logs).
import type { GatewayErrorCode } from '@llm-gateway/contracts';

/**
 * - `cache-lookup`: after each lookup ("Cache HIT" / "Cache MISS").
 * - `upstream-success`: a call answered by an upstream ("LLM completion success"); `attempts` counts
 *   upstream calls, retries and fallbacks together (1 = neither).
 * - `upstream-failure`: a call that reached the upstream and failed, once per call after its retries
 *   (mid-stream failures included). Not emitted when the caller cancelled, nor for refusals before the
 *   upstream was tried; `code` is what the caller got; `upstream` the last one tried.
 * - `route-failed`: every target of a route with several was tried and none answered (`tried` lists them).
 * - `first-chunk`: the first chunk carrying answer content of a fresh upstream stream; `latencyMs` from
 *   admission, retries included (time to first token).
 * - `stream-start` / `stream-end`: a `stream()` call began serving and finished, however it ended.
 */
export type ChatEvent =
  | { type: 'cache-lookup'; requestId: string | undefined; hit: boolean }
  | {
      type: 'upstream-success';
      requestId: string | undefined;
      model: string;
      upstream: string | undefined;
      stream: boolean;
      latencyMs: number;
      attempts: number;
    }
  | {
      type: 'upstream-failure';
      requestId: string | undefined;
      model: string;
      upstream: string | undefined;
      stream: boolean;
      code: GatewayErrorCode;
      latencyMs: number;
    }
  | {
      type: 'route-failed';
      requestId: string | undefined;
      alias: string;
      tried: ReadonlyArray<{ upstream: string; code: string }>;
    }
  | { type: 'first-chunk'; requestId: string | undefined; model: string; latencyMs: number }
  | { type: 'stream-start'; requestId: string | undefined }
  | { type: 'stream-end'; requestId: string | undefined };

export type ChatEventListener = (event: ChatEvent) => void;

/** A listener that can never fail a request: a subscriber's bug is swallowed. */
export function safeListener(listener: ChatEventListener | undefined): ChatEventListener {
  if (!listener) return () => {};
  return (event) => {
    try {
      listener(event);
    } catch {
      // Logging or metrics must not turn into a failed request.
    }
  };
}
