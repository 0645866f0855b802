// Turns untrusted input into a ChatCompletionRequest, or a GatewayError naming the bad field.
import type { z } from 'zod';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from './chat-request.js';
import { GatewayError } from './gateway-error.js';

/** OpenAI-style parameter path: ['messages', 0, 'role'] → 'messages[0].role'. */
export function formatParamPath(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? null : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return "must have a 'role' of system, developer, user, assistant, tool or function";
  }
  return issue.message;
}

/** Validates a chat request; throws `invalid_request` (400) with `param` set to the first bad field. */
export function parseChatRequest(input: unknown): ChatCompletionRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = chatCompletionRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new GatewayError('invalid_request', 'Invalid request.');
  const param = formatParamPath(issue.path);
  const message = param === null ? describeIssue(issue) : `Invalid '${param}': ${describeIssue(issue)}`;
  throw new GatewayError('invalid_request', message, { param });
}
