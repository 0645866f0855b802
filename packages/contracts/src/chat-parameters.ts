// Typed request parameters beyond the validated core: the rest of OpenAI's chat parameters and known provider extensions.

/*
 * These are types only. The gateway does not validate them (REST forwards any field as sent, and the
 * typed client's input goes through the same validator), so a provider sees exactly what was written.
 * OpenAI's fields follow its CreateChatCompletionRequest schema (openai-openapi, API version 2.3.0).
 */

/** OpenAI's `reasoning_effort` values. */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/** OpenAI chat parameters the shared schema passes through without checking. */
export interface OpenAIChatParameters {
  /** Up to 16 string pairs stored with the completion. */
  metadata?: Record<string, string> | null;
  /** 0–20 most likely tokens per position (needs `logprobs: true`). */
  top_logprobs?: number | null;
  logprobs?: boolean | null;
  /** Token id (as a string) → bias from -100 to 100. */
  logit_bias?: Record<string, number> | null;
  safety_identifier?: string | null;
  prompt_cache_key?: string | null;
  /** @deprecated OpenAI: use `prompt_cache_options.ttl`. */
  prompt_cache_retention?: 'in_memory' | '24h' | null;
  prompt_cache_options?: { ttl?: '30m'; mode?: 'implicit' | 'explicit' };
  service_tier?: 'auto' | 'default' | 'flex' | 'scale' | 'priority' | 'fast' | null;
  modalities?: Array<'text' | 'audio'> | null;
  verbosity?: 'low' | 'medium' | 'high' | null;
  reasoning_effort?: ReasoningEffort | null;
  web_search_options?: {
    user_location?: {
      type: 'approximate';
      approximate: { country?: string; region?: string; city?: string; timezone?: string };
    } | null;
    search_context_size?: 'low' | 'medium' | 'high';
  };
  audio?: {
    voice: string | { id: string };
    format: 'wav' | 'aac' | 'mp3' | 'flac' | 'opus' | 'pcm16';
  } | null;
  store?: boolean | null;
  moderation?: { model: string; policy?: Record<string, unknown> | null } | null;
  prediction?: {
    type: 'content';
    content: string | Array<{ type: 'text'; text: string }>;
  } | null;
  parallel_tool_calls?: boolean;
  /** @deprecated OpenAI: use `tool_choice`. */
  function_call?: 'none' | 'auto' | { name: string };
  /** @deprecated OpenAI: use `tools`. */
  functions?: Array<{ name: string; description?: string; parameters?: Record<string, unknown> }>;
}

/** OpenRouter's `reasoning`: how much the model thinks and whether the thinking comes back. */
export interface OpenRouterReasoning {
  effort?: ReasoningEffort;
  /** A token budget for the thinking (providers that take one: Anthropic, Gemini, Qwen). */
  max_tokens?: number;
  /** Think, but leave the reasoning out of the answer. */
  exclude?: boolean;
  /** Turn reasoning on with the provider's default effort. */
  enabled?: boolean;
}

/** OpenRouter's provider routing preferences. */
export interface OpenRouterProviderPreferences {
  /** Providers to try, in order (e.g. `['deepseek', 'together']`). */
  order?: string[];
  allow_fallbacks?: boolean;
  /** Only providers that support every parameter in the request. */
  require_parameters?: boolean;
  data_collection?: 'allow' | 'deny';
  /** Only zero-data-retention endpoints. */
  zdr?: boolean;
  enforce_distillable_text?: boolean;
  only?: string[];
  ignore?: string[];
  quantizations?: string[];
  sort?: 'price' | 'throughput' | 'latency' | { by: 'price' | 'throughput' | 'latency'; partition?: string };
  /** Highest price accepted, in USD per million tokens (per request / per image for those keys). */
  max_price?: { prompt?: number; completion?: number; request?: number; image?: number };
  preferred_min_throughput?: number;
  preferred_max_latency?: number;
}

/** Parameters of OpenRouter, DeepSeek and open-model servers (vLLM and the like) that OpenAI lacks. */
export interface ProviderChatParameters {
  /** OpenRouter: reasoning tokens. */
  reasoning?: OpenRouterReasoning;
  /** OpenRouter: which providers serve the request. */
  provider?: OpenRouterProviderPreferences;
  /** OpenRouter: prompt transforms, e.g. `['middle-out']`. */
  transforms?: string[];
  /** OpenRouter: models to fall back to, in order. */
  models?: string[];
  /** OpenRouter: with `models`. */
  route?: 'fallback';
  /** OpenRouter: usage accounting (cost and token details) in the answer. */
  usage?: { include?: boolean };
  /** OpenRouter: plugins such as `{ id: 'web' }`. */
  plugins?: Array<{ id: string; [key: string]: unknown }>;
  /** DeepSeek (and GLM): thinking mode on or off. */
  thinking?: { type: 'enabled' | 'disabled' };
  /** Sampling controls of OpenRouter and open-model servers. */
  top_k?: number;
  min_p?: number;
  top_a?: number;
  repetition_penalty?: number;
}

/**
 * Fields for the upstream that no type here names. The gateway merges them into the request at the
 * top level (as the OpenAI SDK's `extra_body` does); a key that is also set as a typed field, or
 * `stream`, is refused with `invalid_request` (`param: 'extra.<key>'`).
 */
export interface ExtraChatParameters {
  extra?: Record<string, unknown>;
}
