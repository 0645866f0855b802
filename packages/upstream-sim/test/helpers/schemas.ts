// Schema assertions for the simulator's answers, through the workspace's one OpenAI schema validator.
import { type OpenAISchemaName, openAISchemaErrors } from '@llm-gateway/test-support';
import { expect } from 'vitest';

const roots = {
  completion: 'CreateChatCompletionResponse',
  chunk: 'CreateChatCompletionStreamResponse',
  error: 'ErrorResponse',
} as const satisfies Record<string, OpenAISchemaName>;

/** Asserts `value` validates against the named OpenAI schema root (errors are shown on failure). */
export function expectSchema(kind: keyof typeof roots, value: unknown): void {
  expect(openAISchemaErrors(roots[kind], value), `${kind} schema errors`).toEqual([]);
}
