// The per-request cache mode from the client's Cache-Control header (REST and tRPC read it alike).
import type { CacheMode } from '@llm-gateway/core';

/** `Cache-Control: no-store` wins over `no-cache`; anything else uses the cache normally. */
export function cacheModeOf(header: string | undefined): CacheMode {
  if (!header) return 'default';
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store')) return 'no-store';
  if (directives.includes('no-cache')) return 'no-cache';
  return 'default';
}
