// OpenAI-shaped error bodies (`{"error":{"message","type","param","code"}}`) with per-status defaults.

/** OpenAI's error body. */
export interface SimErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface ErrorDefaults {
  type: string;
  code: string;
  message: string;
}

// Mirrors what OpenAI sends for each status, so clients' error mapping sees realistic values.
const DEFAULTS: Readonly<Record<number, ErrorDefaults>> = {
  400: { type: 'invalid_request_error', code: 'invalid_request', message: 'Simulated bad request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'permission_error', code: 'permission_denied', message: 'Simulated permission denied.' },
  404: { type: 'invalid_request_error', code: 'not_found', message: 'Not found.' },
  408: { type: 'timeout_error', code: 'timeout', message: 'Simulated request timeout.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request body too large.' },
  429: {
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: 'Simulated rate limit reached. Please try again later.',
  },
  500: {
    type: 'server_error',
    code: 'server_error',
    message: 'The server had an error while processing your request.',
  },
  502: { type: 'server_error', code: 'bad_gateway', message: 'Simulated bad gateway.' },
  503: { type: 'server_error', code: 'service_unavailable', message: 'Simulated overload; try again later.' },
  504: { type: 'server_error', code: 'timeout', message: 'Simulated gateway timeout.' },
};

/**
 * Builds an OpenAI error body for `status`; `message` and `code` override the status defaults.
 * Unknown statuses fall back to `server_error` (5xx) or `invalid_request_error` (others).
 */
export function simErrorBody(status: number, message?: string, code?: string | null): SimErrorBody {
  const defaults = DEFAULTS[status] ?? fallback(status);
  return {
    error: {
      message: message ?? defaults.message,
      type: defaults.type,
      param: null,
      code: code === undefined ? defaults.code : code,
    },
  };
}

function fallback(status: number): ErrorDefaults {
  return status >= 500
    ? { type: 'server_error', code: 'server_error', message: `Simulated upstream error ${status}.` }
    : { type: 'invalid_request_error', code: 'invalid_request', message: `Simulated error ${status}.` };
}
