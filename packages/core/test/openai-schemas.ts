// Test helper: OpenAI schema checks returning error text (empty when valid), via the workspace validator.
import { openAISchemaErrors } from '@llm-gateway/test-support';

/** A check that returns the schema errors as text (empty when the value is valid). */
export type SchemaCheck = (value: unknown) => string;

/** Checks one stream chunk against `$defs.CreateChatCompletionStreamResponse`. */
export const checkStreamChunk: SchemaCheck = (value) =>
  openAISchemaErrors('CreateChatCompletionStreamResponse', value).join('\n');

/** Checks a non-stream answer against `$defs.CreateChatCompletionResponse`. */
export const checkCompletion: SchemaCheck = (value) =>
  openAISchemaErrors('CreateChatCompletionResponse', value).join('\n');
