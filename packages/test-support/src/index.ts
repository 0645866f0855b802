// Public surface of @llm-gateway/test-support.
export * from './free-port.js';
export * from './openai-schemas.js';
export * from './redis-server.js';
export * from './spawn-gateway.js';
