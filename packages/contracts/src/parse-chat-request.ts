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

/**
 * The deepest nesting a request may have. Real requests, tool schemas included, stay far below it;
 * the bound keeps recursive code downstream (cache keys, serialization) far from the end of the stack.
 */
export const MAX_REQUEST_DEPTH = 64;

/** Iterative, so that a hostile body cannot overflow the stack here either. */
function deeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > max) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

/** Validates a chat request; throws `invalid_request` (400) with `param` set to the first bad field. */
export function parseChatRequest(input: unknown): ChatCompletionRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  if (deeperThan(input, MAX_REQUEST_DEPTH)) {
    throw new GatewayError(
      'invalid_request',
      `The request is nested deeper than ${MAX_REQUEST_DEPTH} levels.`,
    );
  }
  const result = chatCompletionRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new GatewayError('invalid_request', 'Invalid request.');
  const param = formatParamPath(issue.path);
  const message = param === null ? describeIssue(issue) : `Invalid '${param}': ${describeIssue(issue)}`;
  throw new GatewayError('invalid_request', message, { param });
}
