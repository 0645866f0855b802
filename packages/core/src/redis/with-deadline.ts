// A wall-clock bound on one Redis call, for the cases a client's commandTimeout does not cover alone.

/**
 * Rejects after `ms` if `promise` has not settled. A Cluster retries a command across redirections
 * and a failover (each try bounded by commandTimeout, the sum not), so a caller that must answer
 * fast bounds the whole call here.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
