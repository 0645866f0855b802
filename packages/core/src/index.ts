// Public surface of @llm-gateway/core.
export * from './chat/chat-service.js';
export * from './completion/assemble-chunks.js';
export * from './completion/completion-to-chunks.js';
export * from './resilience/retry-after.js';
export * from './sse/chunk-decoder.js';
export * from './sse/parse-sse.js';
export * from './upstream/upstream-client.js';
export { scrubSecrets } from './upstream/upstream-errors.js';
