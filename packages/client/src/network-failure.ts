// What a failed fetch says about the request: never sent (refused, DNS), lost after sending, or timed out.

/** Errors that mean no connection was made, so the request cannot have reached the gateway. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Errors of a connection that was open: the request may have been sent, and acted on. */
const LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

export type NetworkFailure = 'refused' | 'not_connected' | 'lost' | 'timeout';

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Each error of the chain (`cause` links), and the members of an AggregateError (happy eyeballs tries every address). */
function* chain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const pending = [error];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const item = next as ErrorLike;
    yield item;
    pending.push(item.cause);
    if (Array.isArray(item.errors)) pending.push(...item.errors);
  }
}

/**
 * Refused only when every connection attempt was refused: then nothing was sent and a retry cannot
 * run a paid call twice. Anything less certain is not `refused`.
 */
export function connectionRefused(error: unknown): boolean {
  let refused = false;
  for (const item of chain(error)) {
    if (item.name === 'TimeoutError' || (typeof item.code === 'string' && LOST.has(item.code))) return false;
    if (item.code === 'ECONNREFUSED') refused = true;
  }
  return refused;
}

/** The kind of network failure in `error`'s chain, if it is one. */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  if (connectionRefused(error)) return 'refused';
  let found: NetworkFailure | undefined;
  for (const item of chain(error)) {
    if (item.name === 'TimeoutError') return 'timeout';
    const code = typeof item.code === 'string' ? item.code : '';
    if (NOT_CONNECTED.has(code)) found ??= 'not_connected';
    // undici's `terminated`: the body of an answer stopped arriving.
    else if (LOST.has(code) || item.message === 'terminated') found = 'lost';
  }
  return found;
}
