// Whether a command should be sent to Redis now: the one rule the cache and the limiter share.

/**
 * A down Redis must cost nothing, so a client that is not ready is skipped at once — except while it
 * makes its first connection at start-up (`firstConnect`), when the command is tried (bounded by the
 * command timeout) rather than reporting a false outage. `wait` is a lazyConnect client that has not
 * connected yet: a command is what connects it. A Cluster reports the same statuses for the whole
 * cluster: one dead primary leaves it `ready`, and only the commands for that primary's slots fail.
 */
export function isRedisUsable(client: { readonly status: string }, firstConnect: boolean): boolean {
  const { status } = client;
  if (status === 'ready' || status === 'wait') return true;
  return firstConnect && (status === 'connecting' || status === 'connect');
}
