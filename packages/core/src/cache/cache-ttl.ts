// Converts a cache TTL in seconds to the whole milliseconds both backends take.

/**
 * ttlSeconds as a positive integer of milliseconds, or undefined when it cannot be stored: both
 * backends read 0 or a negative TTL as "no expiry" or an error, and a cache entry must always expire.
 */
export function ttlToMs(ttlSeconds: number): number | undefined {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) return undefined;
  return Math.max(1, Math.round(ttlSeconds * 1000));
}
