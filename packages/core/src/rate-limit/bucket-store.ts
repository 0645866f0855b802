// The bucket-store contract: one atomic refill-and-take per call, in memory or in Redis.

/** What a store reports after one call. */
export interface BucketResult {
  /** cost 1: whether the token was taken. cost 0: whether a token is available now. */
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
  /** 1 takes a token if one is there; 0 peeks without spending or writing. */
  cost: 0 | 1;
}

/** Where buckets live. Every call is atomic per key: concurrent callers never both get the last token. */
export interface BucketStore {
  readonly backend: 'memory' | 'redis';
  /** cost 1 = take a token if one is there; cost 0 = peek without spending or writing. */
  take(key: string, params: BucketParams): Promise<BucketResult>;
}
