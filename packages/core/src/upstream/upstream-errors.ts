// Maps what went wrong talking to the upstream onto GatewayErrors a client may see (secrets scrubbed).
import { GatewayError, isGatewayError } from '@llm-gateway/contracts';
import { type HeaderReader, parseRetryAfterMs } from '../resilience/retry-after.js';

/** Only the start of an error body is read: it is for a message, and must not be unbounded. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

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

/** What the error mapping needs from an upstream answer, whichever HTTP client produced it. */
export interface UpstreamAnswer {
  status: number;
  headers: HeaderReader;
  /** The body as text; may be cut short (only the start of an error body matters). */
  text(): Promise<string>;
}

/** Builds the GatewayError for an upstream answer with a non-2xx status. */
export async function errorFromResponse(
  response: UpstreamAnswer,
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
  if (status === 401 || status === 403) {
    // The gateway's own upstream key was refused: not the caller's fault, and a 401 passed through
    // would make clients think their key is wrong. The upstream's message is not relayed.
    return new GatewayError(
      'upstream_error',
      `The upstream refused the gateway's credentials (HTTP ${status}); the operator must check PROXYAPI_API_KEY.`,
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

/** Failures of the connection itself: system errors (ECONNREFUSED, ECONNRESET, …) and undici's socket errors. */
const CONNECTION_ERROR_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_INFO',
]);

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error instanceof TypeError; // fetch's "fetch failed"
  return CONNECTION_ERROR_CODES.has(code) || /^E[A-Z]+$/.test(code);
}

/** Maps a thrown HTTP-client failure; `timedOut` says whether our own timeout fired. */
export function errorFromThrown(error: unknown, timedOut: boolean): GatewayError {
  if (isGatewayError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatewayError('upstream_timeout', 'The upstream did not answer in time.', { cause: error });
  }
  if (isConnectionError(error)) {
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

async function readBounded(response: UpstreamAnswer): Promise<string> {
  try {
    const text = await response.text();
    return text.length > MAX_ERROR_BODY_BYTES ? text.slice(0, MAX_ERROR_BODY_BYTES) : text;
  } catch {
    return '';
  }
}
