// decodeChunkEvent: one SSE `data` string from an OpenAI-style upstream → a chunk, the end marker, or an error.
import { type ChatCompletionChunk, GatewayError } from '@llm-gateway/contracts';

const DONE = '[DONE]';

function invalidEvent(cause?: unknown): GatewayError {
  return new GatewayError('upstream_bad_response', 'The upstream sent an invalid stream event.', { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes the `data` of one upstream stream event.
 *
 * Returns `'done'` for `[DONE]`, otherwise the parsed chunk. Only the shape a relay depends on is
 * checked (an object with a `choices` array; `choices: []` is the valid usage chunk) — this runs once per
 * token, so a full schema validation would cost more than it protects.
 *
 * @throws GatewayError `upstream_error` when the event is an error object (`{"error": ...}`, as OpenRouter
 *   and others send mid-stream), carrying the provider's message when it is a string.
 * @throws GatewayError `upstream_bad_response` when the data is not JSON or not a chunk.
 */
export function decodeChunkEvent(data: string): ChatCompletionChunk | 'done' {
  // Some providers pad the marker with whitespace; trimming only short data keeps the per-token path cheap.
  if (data === DONE || (data.length < 16 && data.trim() === DONE)) return 'done';

  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw invalidEvent(error);
  }
  if (!isRecord(parsed)) throw invalidEvent();

  // `"error": null` (sent by some providers on ordinary chunks) is not an error.
  if (parsed.error !== undefined && parsed.error !== null) {
    const providerError = parsed.error;
    const message =
      isRecord(providerError) && typeof providerError.message === 'string' && providerError.message !== ''
        ? providerError.message
        : typeof providerError === 'string' && providerError !== ''
          ? providerError
          : 'The upstream reported an error mid-stream.';
    throw new GatewayError('upstream_error', message, { cause: providerError });
  }

  if (!Array.isArray(parsed.choices)) throw invalidEvent();
  // The `choices` check above is the contract this decoder promises; the remaining fields are relayed as sent.
  return parsed as ChatCompletionChunk;
}
