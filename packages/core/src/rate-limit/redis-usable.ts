// Whether a command should be sent to Redis now: the one rule the cache and the limiter share.
import type { Redis } from 'ioredis';

/**
 * A down Redis must cost nothing, so a client that is not ready is skipped at once — except while it
 * makes its first connection at start-up (`firstConnect`), when the command is tried (bounded by the
 * command timeout) rather than reporting a false outage. `wait` is a lazyConnect client that has not
 * connected yet: a command is what connects it.
 */
export function isRedisUsable(client: Pick<Redis, 'status'>, firstConnect: boolean): boolean {
  const { status } = client;
  if (status === 'ready' || status === 'wait') return true;
  return firstConnect && (status === 'connecting' || status === 'connect');
}
