// Reads how long an upstream asks us to wait: `retry-after-ms`, `Retry-After` in seconds or as an HTTP date.

/** Read access to response headers (a WHATWG `Headers` is one). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Returns the requested wait in milliseconds, or undefined when the headers ask for none (or are unreadable).
 * `retry-after-ms` (OpenAI's precise form) wins over `Retry-After`.
 */
export function parseRetryAfterMs(headers: HeaderReader, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
