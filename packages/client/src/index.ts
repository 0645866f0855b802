// Public surface of @llm-gateway/client.
export type {
  ChatCompletion,
  ChatCompletionChunk,
  GatewayErrorCode,
  ModelList,
  OpenAIChatParameters,
  OpenRouterProviderPreferences,
  OpenRouterReasoning,
  ProviderChatParameters,
  ReasoningDetail,
  ReasoningEffort,
  TypedChatRequest,
} from '@llm-gateway/contracts';
export type {
  HealthBody,
  MetricsSnapshot,
  UsageQuery,
  UsageReport,
  UsageTotals,
} from '@llm-gateway/gateway/api-types';
export {
  type CallOptions,
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
} from './create-gateway-client.js';
export {
  type ClientErrorCode,
  GatewayClientError,
  type GatewayClientErrorOptions,
} from './gateway-client-error.js';
export type { ApiKey, HttpRetryOptions, HttpTimeouts } from './http-layer.js';
export type { StreamPart } from './stream-parts.js';
