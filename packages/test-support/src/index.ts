// Public surface of @llm-gateway/test-support.
export * from './openai-schemas.js';
