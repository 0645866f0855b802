// Maps what went wrong talking to the upstream onto GatewayErrors a client may see (secrets scrubbed).
import { GatewayError, isGatewayError } from '@llm-gateway/contracts';
import { isNetworkError, isTimeoutError } from 'ky';
import { parseRetryAfterMs } from '../resilience/retry-after.js';

const MAX_ERROR_BODY = 64 * 1024;

/** Removes anything that looks like an API key from an upstream message before a client sees it. */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  // Providers echo masked keys ("sk-abc***xyz"); drop those too.
  return out.replace(/\b(sk|pk|rk)-[A-Za-z0-9_*.-]{4,}/g, '[redacted]');
}

interface UpstreamErrorFields {
  message?: string;
  param?: string | null;
}

function readErrorFields(text: string): UpstreamErrorFields {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return {};
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'string') return { message: error };
    if (typeof error !== 'object' || error === null) return {};
    const { message, param } = error as { message?: unknown; param?: unknown };
    return {
      ...(typeof message === 'string' ? { message } : {}),
      ...(typeof param === 'string' ? { param } : {}),
    };
  } catch {
    return {};
  }
}

/** Builds the GatewayError for an upstream answer with a non-2xx status. */
export async function errorFromResponse(
  response: Response,
  options: { secrets: readonly string[]; nowMs: number },
): Promise<GatewayError> {
  const status = response.status;
  const text = await readBounded(response);
  const fields = readErrorFields(text);
  const retryAfterMs = parseRetryAfterMs(response.headers, options.nowMs);
  const upstreamMessage =
    fields.message === undefined ? undefined : scrubSecrets(fields.message, options.secrets);
  const common = {
    upstreamStatus: status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  if (status === 408) {
    return new GatewayError('upstream_timeout', 'The upstream timed out (HTTP 408).', common);
  }
  if (status === 429) {
    return new GatewayError(
      'upstream_rate_limited',
      upstreamMessage ?? 'The upstream is rate limiting requests.',
      common,
    );
  }
  if (status >= 400 && status < 500) {
    return new GatewayError(
      'upstream_client_error',
      upstreamMessage ?? `The upstream rejected the request (HTTP ${status}).`,
      {
        ...common,
        status,
        param: fields.param ?? null,
      },
    );
  }
  if (status === 503 && retryAfterMs !== undefined) {
    return new GatewayError(
      'upstream_overloaded',
      'The upstream is overloaded and asked us to wait.',
      common,
    );
  }
  return new GatewayError('upstream_error', `The upstream failed (HTTP ${status}).`, common);
}

/** Maps a thrown fetch/ky failure; `timedOut` says whether our own timeout fired. */
export function errorFromThrown(error: unknown, timedOut: boolean): GatewayError {
  if (isGatewayError(error)) return error;
  if (timedOut || isTimeoutError(error)) {
    return new GatewayError('upstream_timeout', 'The upstream did not answer in time.', { cause: error });
  }
  if (isNetworkError(error) || error instanceof TypeError) {
    return new GatewayError(
      'upstream_unavailable',
      'The upstream could not be reached or dropped the connection.',
      { cause: error },
    );
  }
  return new GatewayError('upstream_bad_response', 'The upstream answer could not be read.', {
    cause: error,
  });
}

async function readBounded(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text;
  } catch {
    return '';
  }
}
