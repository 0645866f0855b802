// Public surface of @llm-gateway/test-support.
export * from './caught.js';
export * from './free-port.js';
export * from './iterables.js';
export * from './manual-clock.js';
export * from './openai-schemas.js';
export * from './redis-cluster.js';
export * from './redis-sentinel.js';
export * from './redis-server.js';
export * from './spawn-gateway.js';
export * from './sse-text.js';
export * from './stream-content.js';
export * from './tcp-proxy.js';
