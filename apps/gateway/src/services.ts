// Wires core's engine from the config: upstream client and chat service, plus the /metrics snapshot.
import { type ChatService, createChatService, createUpstreamClient } from '@llm-gateway/core';
import type { GatewayConfig } from './config.js';
import type { GatewayLogger } from './logger.js';

export interface MetricsSnapshot {
  circuit_breaker: { state: string; failure_count: number; failure_threshold: number };
  rate_limiter: { rate: number; tokens_available: number | null };
  cache_enabled: boolean;
  streaming_enabled: boolean;
}

export interface GatewayServices {
  chat: ChatService;
  snapshot(): MetricsSnapshot;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: GatewayConfig;
  logger: GatewayLogger;
  /** Where the upstream really is (the embedded simulator in demo mode); defaults to the config's URL. */
  upstreamBaseUrl?: string;
}

export function createServices({ config, logger, upstreamBaseUrl }: CreateServicesOptions): GatewayServices {
  const upstream = createUpstreamClient({
    baseUrl: upstreamBaseUrl ?? config.upstream.baseUrl,
    ...(config.upstream.apiKey === undefined ? {} : { apiKey: config.upstream.apiKey }),
    timeoutMs: config.upstream.timeoutMs,
  });
  const chat = createChatService({
    upstream,
    defaultModel: config.upstream.defaultModel,
    streamingEnabled: config.streaming.enabled,
    onUpstreamSuccess: ({ requestId, model, stream, latencyMs }) =>
      logger.info(
        { reqId: requestId, model, stream, latency_ms: Math.round(latencyMs) },
        'LLM completion success',
      ),
  });
  return {
    chat,
    snapshot: () => ({
      // The breaker, limiter and cache are not built yet: report that truthfully.
      circuit_breaker: {
        state: 'disabled',
        failure_count: 0,
        failure_threshold: config.circuitBreaker.failureThreshold,
      },
      rate_limiter: { rate: config.rateLimit.requestsPerMinute, tokens_available: null },
      cache_enabled: false,
      streaming_enabled: config.streaming.enabled,
    }),
    close: async () => {},
  };
}
