// The Redis bucket store: one atomic Lua script per call, on Redis's clock, shared by every gateway instance.
import type { RedisConnection } from '../redis/redis-connection.js';
import { hashTagged } from '../redis/redis-keys.js';
import type { BucketResult, BucketStore } from './bucket-store.js';
import { TOKEN_EPSILON } from './token-bucket.js';

/** Kept past the moment the bucket is full again, so a key never expires while it still matters. */
const EXPIRY_MARGIN_MS = 1000;

const COMMAND_NAME = 'llmGatewayTokenBucket';

/**
 * The arithmetic of token-bucket.ts (refill, hasTokens, takeTokens), in Lua so refill and take are one
 * atomic step. `TIME` (not the callers' clocks) makes instances with skewed clocks agree; Redis ≥ 5
 * replicates the script's effects, so a non-deterministic read before a write is allowed.
 * A peek (cost 0) and a refusal write nothing: the stored state already implies the refilled one.
 * A take needs all of `cost` (at least one token); a settle (ARGV[6] = 1) applies `cost` whatever the
 * balance, as token-bucket.ts's settleTokens does.
 * Numbers go back as '%.17g' strings because Redis truncates Lua numbers in replies to integers.
 */
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local refill_per_ms = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local epsilon = tonumber(ARGV[4])
local margin_ms = tonumber(ARGV[5])
local settle = tonumber(ARGV[6])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(stored[1])
local ts = tonumber(stored[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * refill_per_ms)
local allowed = 0
if settle == 1 then
  allowed = 1
  tokens = math.min(capacity, math.max(-capacity, tokens - cost))
else
  if tokens + epsilon >= math.max(cost, 1) then allowed = 1 end
  if cost > 0 and allowed == 1 then tokens = math.max(0, tokens - cost) end
end
if (cost ~= 0 and allowed == 1) then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / refill_per_ms) + margin_ms)
end
return { allowed, string.format('%.17g', tokens), string.format('%.17g', now) }
`;

interface TokenBucketCommand {
  [COMMAND_NAME](
    key: string,
    capacity: string,
    refillPerMs: string,
    cost: string,
    epsilon: string,
    marginMs: string,
    settle: string,
  ): Promise<unknown>;
}

export interface RedisBucketStoreOptions {
  /** A connected client or Cluster; see createRedisConnection for a profile that never hangs. */
  redis: RedisConnection;
  /** Prepended verbatim to every bucket key (include your own separator, e.g. `llm-gateway:rl:`). */
  keyPrefix: string;
}

/**
 * The Redis key of bucket `key`: `<prefix>{<key>}`. The script touches only this key; the hash tag
 * keeps any key a later script pairs with this bucket in the same Cluster slot (see redis-keys.ts).
 */
export function bucketKey(keyPrefix: string, key: string): string {
  return hashTagged(keyPrefix, key);
}

/**
 * Buckets in Redis, shared by every instance using the same server and prefix. Failures (Redis down,
 * command timeout) reject: falling back is the limiter's decision, not the store's.
 */
export function createRedisBucketStore(options: RedisBucketStoreOptions): BucketStore {
  const { keyPrefix } = options;
  // defineCommand sends EVAL once per connection, EVALSHA after it, and EVAL again on NOSCRIPT (e.g.
  // after a restart or on a promoted replica). On a Cluster each node's connection tracks this on its
  // own and the command goes to the key's slot owner. Redefining on a shared client is harmless.
  options.redis.defineCommand(COMMAND_NAME, { lua: TOKEN_BUCKET_LUA, numberOfKeys: 1 });
  const redis = options.redis as RedisConnection & TokenBucketCommand;

  return {
    backend: 'redis',
    async take(key, { capacity, refillPerMs, cost, settle }) {
      const reply = await redis[COMMAND_NAME](
        bucketKey(keyPrefix, key),
        String(capacity),
        String(refillPerMs),
        String(cost),
        String(TOKEN_EPSILON),
        String(EXPIRY_MARGIN_MS),
        settle === true ? '1' : '0',
      );
      return parseReply(reply);
    },
  };
}

function parseReply(reply: unknown): BucketResult {
  if (Array.isArray(reply) && reply.length === 3) {
    const [allowed, tokens, nowMs] = reply as unknown[];
    const tokenCount = Number(tokens);
    const now = Number(nowMs);
    if ((allowed === 0 || allowed === 1) && Number.isFinite(tokenCount) && Number.isFinite(now)) {
      return { allowed: allowed === 1, tokens: tokenCount, nowMs: now };
    }
  }
  throw new Error(`Unexpected reply from the token-bucket script: ${JSON.stringify(reply)}`);
}
