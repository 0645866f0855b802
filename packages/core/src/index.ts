// Public surface of @llm-gateway/core.

export * from './cache/cache-key.js';
export * from './cache/cache-store.js';
export * from './cache/memory-cache-store.js';
export * from './cache/redis-cache-store.js';
export * from './cache/response-cache.js';
export * from './chat/chat-service.js';
export * from './chat/chat-types.js';
export * from './completion/assemble-chunks.js';
export * from './completion/completion-to-chunks.js';
export * from './concurrency/concurrency-limiter.js';
export * from './rate-limit/create-redis-client.js';
export * from './rate-limit/rate-limiter.js';
export * from './resilience/circuit-breaker.js';
export * from './resilience/clock.js';
export * from './resilience/failure-classifier.js';
export * from './resilience/retry-after.js';
export * from './resilience/retry-policy.js';
export * from './sse/chunk-decoder.js';
export { chunkJson } from './sse/chunk-json.js';
export * from './sse/parse-sse.js';
export * from './stream-tickets/ticket-store.js';
export * from './upstream/upstream-client.js';
export { scrubSecrets } from './upstream/upstream-errors.js';
