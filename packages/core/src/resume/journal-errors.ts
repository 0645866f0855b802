// The resume errors, and a stream's failure as text, so an instance that did not run the stream can show it.
import { GatewayError, type GatewayErrorCode, internalError, isGatewayError } from '@llm-gateway/contracts';

/** A resume of a stream whose events are gone (its keep time passed), or that never existed for this key. */
export function streamExpiredError(): GatewayError {
  return new GatewayError(
    'stream_expired',
    'The stream cannot be resumed: it is unknown or its events have expired; start a new request.',
    { param: 'streamId' },
  );
}

interface StoredError {
  code: GatewayErrorCode;
  message: string;
  param: string | null;
  retryAfterMs?: number;
}

/** A stream's failure as stored text: only what a client is shown (GatewayErrors are safe to show). */
export function errorToText(error: unknown): string {
  const safe = isGatewayError(error) ? error : internalError();
  const stored: StoredError = {
    code: safe.code,
    message: safe.message,
    param: safe.param,
    ...(safe.retryAfterMs === undefined ? {} : { retryAfterMs: safe.retryAfterMs }),
  };
  return JSON.stringify(stored);
}

export function errorFromText(text: string): GatewayError {
  try {
    const stored = JSON.parse(text) as StoredError;
    return new GatewayError(stored.code, stored.message, {
      param: stored.param,
      ...(stored.retryAfterMs === undefined ? {} : { retryAfterMs: stored.retryAfterMs }),
    });
  } catch {
    return internalError();
  }
}
