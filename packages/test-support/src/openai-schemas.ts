// OpenAI's chat-completions JSON schemas (a copied fixture, see fixtures/README.md): errors as text, or a vitest assertion.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

export type OpenAISchemaName =
  | 'CreateChatCompletionRequest'
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'ErrorResponse';

const document = JSON.parse(
  readFileSync(new URL('../fixtures/openai-chat-schemas.json', import.meta.url), 'utf8'),
) as {
  $id: string;
};

const ajv = new Ajv2020({ allErrors: true, strict: true });
// The fixture's root carries provenance fields that are not JSON Schema keywords.
ajv.addKeyword('source');
ajv.addKeyword('roots');
// OpenAPI formats the fixture uses; checked loosely, as OpenAI's own SDKs do.
ajv.addFormat('unixtime', {
  type: 'number',
  validate: (value: number) => Number.isInteger(value) && value >= 0,
});
ajv.addFormat('uri', (value: string) => URL.canParse(value));
ajv.addSchema(document);

/** Returns the schema errors of `value` as readable strings; an empty array means valid. */
export function openAISchemaErrors(name: OpenAISchemaName, value: unknown): string[] {
  const validate = ajv.getSchema(`${document.$id}#/$defs/${name}`);
  if (!validate) throw new Error(`unknown schema ${name}`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * Asserts (vitest `expect`) that `value` matches the OpenAI schema `name`; on failure the message
 * lists every schema error and shows the value.
 */
export function expectOpenAIShape(name: OpenAISchemaName, value: unknown): void {
  const errors = openAISchemaErrors(name, value);
  const shown = errors.length === 0 ? '' : `: ${JSON.stringify(value)?.slice(0, 2000)}`;
  expect(errors, `${name} schema errors${shown}`).toEqual([]);
}
