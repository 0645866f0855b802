// The chat-completions request schema that REST and tRPC share; unknown OpenAI parameters pass through.
import { z } from 'zod';
import type { ExtraChatParameters, OpenAIChatParameters, ProviderChatParameters } from './chat-parameters.js';

export type * from './chat-parameters.js';

const contentPart = z.looseObject({ type: z.string().min(1) });
const content = z.union([z.string(), z.array(contentPart)]);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});

const systemMessage = z.looseObject({ role: z.literal('system'), content, name: z.string().optional() });
const developerMessage = z.looseObject({
  role: z.literal('developer'),
  content,
  name: z.string().optional(),
});
const userMessage = z.looseObject({ role: z.literal('user'), content, name: z.string().optional() });
const assistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: content.nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
});
const toolMessage = z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string() });
const functionMessage = z.looseObject({
  role: z.literal('function'),
  content: z.string().nullable(),
  name: z.string(),
});

export const chatMessageSchema = z.discriminatedUnion('role', [
  systemMessage,
  developerMessage,
  userMessage,
  assistantMessage,
  toolMessage,
  functionMessage,
]);

const nullableNumber = (min: number, max: number) => z.number().min(min).max(max).nullable().optional();
const positiveInt = z.number().int().positive().nullable().optional();

/**
 * An OpenAI `CreateChatCompletionRequest`. Known fields are type-checked; every other field is kept
 * as sent and forwarded to the upstream unchanged.
 */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(chatMessageSchema).min(1, 'messages must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: nullableNumber(0, 2),
  top_p: nullableNumber(0, 1),
  presence_penalty: nullableNumber(-2, 2),
  frequency_penalty: nullableNumber(-2, 2),
  n: positiveInt,
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  seed: z.number().int().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  user: z.string().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
/** What callers may send (the same shape; `model` is optional and defaults to the configured model). */
export type ChatCompletionRequestInput = z.input<typeof chatCompletionRequestSchema>;

/** Drops index signatures, keeping the named keys: the type a typed caller writes against. */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/**
 * A chat request as the typed client takes it: every OpenAI chat parameter and the known provider
 * extensions as typed fields, so a misspelt field fails to compile; anything else goes in `extra`.
 * `stream` is absent: the procedure decides.
 */
export type TypedChatRequest = Omit<KnownKeys<ChatCompletionRequestInput>, 'stream'> &
  OpenAIChatParameters &
  ProviderChatParameters &
  ExtraChatParameters;
