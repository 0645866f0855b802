// The bucket-store contract: one atomic refill-and-take per call, in memory or in Redis.

/** What a store reports after one call. */
export interface BucketResult {
  /** cost > 0: whether the tokens were taken. cost 0: whether a token is available now. A settle is always allowed. */
  allowed: boolean;
  /** Tokens left after this call (fractional). */
  tokens: number;
  /** The store's own clock at the call, in milliseconds (Redis `TIME` for the Redis store). */
  nowMs: number;
}

/** The bucket's shape, passed on every call so a store holds no per-limiter configuration. */
export interface BucketParams {
  capacity: number;
  refillPerMs: number;
  /**
   * Tokens to spend: taken only if the bucket holds them all (a request costs 1; a token-limit
   * reservation its estimate); 0 peeks without spending or writing.
   */
  cost: number;
  /**
   * Settles a reservation afterwards: `cost` is applied whatever the balance (negative: a refund, capped
   * at capacity; positive: a charge that may leave the bucket in debt, down to -capacity).
   */
  settle?: boolean;
}

/** Where buckets live. Every call is atomic per key: concurrent callers never both get the last token. */
export interface BucketStore {
  readonly backend: 'memory' | 'redis';
  /** Takes `cost` tokens if the bucket holds them (0 = peek), or settles (see BucketParams). */
  take(key: string, params: BucketParams): Promise<BucketResult>;
}
