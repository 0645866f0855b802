// Public surface of @llm-gateway/contracts.
export * from './chat-request.js';
export * from './chat-response.js';
export * from './error-codes.js';
export * from './gateway-error.js';
export * from './parse-chat-request.js';
