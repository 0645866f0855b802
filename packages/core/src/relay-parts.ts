// The stream path's own parts, exported for the bench's relay floor (bench/src/relay-floor.ts): not the gateway's API.
export { cacheKey } from './cache/cache-key.js';
export { serializeAnswer } from './completion/answer-text.js';
export { ChunkAssembler } from './completion/assemble-chunks.js';
export { decodeChunkEvent } from './sse/chunk-decoder.js';
export { SseEvents } from './sse/sse-events.js';
