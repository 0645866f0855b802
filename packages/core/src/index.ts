// Public surface of @llm-gateway/core: what the gateway wires and its adapters call; internals stay inside.

export type { CacheStoreEvent } from './cache/cache-store.js';
export { createMemoryCacheStore } from './cache/memory-cache-store.js';
export { createRedisCacheStore } from './cache/redis-cache-store.js';
export {
  createResponseCache,
  type ResponseCache,
  type ResponseCacheSnapshot,
} from './cache/response-cache.js';
export type { ChatEvent, ChatEventListener } from './chat/chat-events.js';
export { type ChatServiceOptions, createChatService } from './chat/chat-service.js';
export { chunksOf } from './chat/chat-stream.js';
export type {
  CacheMode,
  CacheStatus,
  CallFacts,
  CallOptions,
  ChatAnswer,
  ChatService,
  ChatStream,
} from './chat/chat-types.js';
export {
  type ConcurrencyLimiter,
  type ConcurrencySnapshot,
  createConcurrencyLimiter,
} from './concurrency/concurrency-limiter.js';
export { createRedisClient } from './rate-limit/create-redis-client.js';
export {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterEvent,
  type RateLimiterSnapshot,
  rateLimitHeaders,
} from './rate-limit/rate-limiter.js';
export type { BucketBackend, RedisDownPolicy } from './rate-limit/redis-down-policy.js';
export { isRedisUsable } from './rate-limit/redis-usable.js';
export { createRedisConnection, type RedisConnection } from './redis/redis-connection.js';
export { hashTagged } from './redis/redis-keys.js';
export type { RedisNodeAddress, RedisTopology, RedisTopologyKind } from './redis/redis-topology.js';
export {
  type BreakerState,
  type CircuitBreaker,
  type CircuitBreakerEvent,
  type CircuitBreakerSnapshot,
  createCircuitBreaker,
} from './resilience/circuit-breaker.js';
export { createRetryPolicy, type RetryEvent, type RetryPolicy } from './resilience/retry-policy.js';
export { streamExpiredError } from './resume/journal-errors.js';
export { createRedisJournal, type RedisJournal } from './resume/redis-journal.js';
export {
  type AttachInput,
  createResumableStreams,
  type ResumableStreams,
  type StartInput,
} from './resume/resumable-streams.js';
export type { Detach, JournalEnd, JournalEntry, TailSink } from './resume/resume-types.js';
export { tailEntries } from './resume/tail-entries.js';
export {
  createRouteTable,
  type RouteSpec,
  type RouteTable,
  type Upstream,
} from './routing/route-table.js';
export { CallAbort, type CallSignal } from './signal/call-signal.js';
export type { StreamEvent, StreamSink } from './stream/stream-event.js';
export {
  createMemoryTicketStore,
  createRedisTicketStore,
  type TicketStore,
} from './stream-tickets/ticket-store.js';
export { createUpstreamClient, type UpstreamClient } from './upstream/upstream-client.js';
export { type BatchedUsageStore, createBatchedUsageStore } from './usage/batched-usage-store.js';
export { ANONYMOUS_CALLER, type BudgetUsd, type KeyPolicy } from './usage/key-policy.js';
export { createRedisUsageStore } from './usage/redis-usage-store.js';
export { type TokenLimits, tokenLimitHeaders } from './usage/token-limits.js';
export { addCounts, emptyCounts, type ModelPrice, type UsageCounts } from './usage/usage-counts.js';
export { createUsageMeter, type UsageEvent, type UsageMeter } from './usage/usage-meter.js';
export { type UsageReport, type UsageTotals, utcDay } from './usage/usage-report.js';
export { createMemoryUsageStore, type UsageStore } from './usage/usage-store.js';
