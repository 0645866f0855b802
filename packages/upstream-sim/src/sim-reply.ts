// Reply planning: default content, reply settings, content splitting and the non-streamed completion body.
import type { SimChatRequest } from './sim-request.js';
import { estimateTokens } from './sim-request.js';
import type { SimChunkBy, SimReply } from './sim-types.js';

/** Reply settings with every default filled in (`content` stays optional: it depends on the request). */
export interface SimReplySettings {
  content: string | undefined;
  chunks: number;
  chunkBy: SimChunkBy;
  chunkDelayMs: number;
  latencyMs: number;
  toolCalls: ReadonlyArray<{ name: string; arguments: string }> | undefined;
}

/** Everything needed to answer one chat request. */
export interface SimAnswer {
  id: string;
  created: number;
  model: string;
  content: string;
  toolCalls: ReadonlyArray<{ name: string; arguments: string }> | undefined;
  settings: SimReplySettings;
  request: SimChatRequest;
  /** Tokens of one choice's output. */
  completionTokens: number;
  promptTokens: number;
}

/** The built-in defaults: 5 even chunks, no delays, content derived from the request. */
export const BASE_REPLY: Readonly<SimReplySettings> = {
  content: undefined,
  chunks: 5,
  chunkBy: 'even',
  chunkDelayMs: 0,
  latencyMs: 0,
  toolCalls: undefined,
};

const PREVIEW_CHARS = 64;

/** Deterministic default answer: `Simulated answer to: <first 64 characters of the last user text>`. */
export function defaultSimContent(lastUserText: string): string {
  let preview = lastUserText.slice(0, PREVIEW_CHARS);
  // Do not cut a surrogate pair in half (a lone surrogate is not valid UTF-8 on the wire).
  const last = preview.charCodeAt(preview.length - 1);
  if (preview.length === PREVIEW_CHARS && last >= 0xd800 && last <= 0xdbff) preview = preview.slice(0, -1);
  return `Simulated answer to: ${preview}`;
}

/** Returns `base` with the defined fields of `patch` applied (an empty `toolCalls` clears tool calls). */
export function mergeReply(base: Readonly<SimReplySettings>, patch: Partial<SimReply>): SimReplySettings {
  const next: SimReplySettings = { ...base };
  if (patch.content !== undefined) next.content = patch.content;
  // Numbers are clamped (and NaN/Infinity ignored) so a careless caller cannot wedge every reply.
  if (Number.isFinite(patch.chunks)) next.chunks = Math.max(1, Math.floor(patch.chunks ?? 1));
  if (patch.chunkBy === 'even' || patch.chunkBy === 'words') next.chunkBy = patch.chunkBy;
  if (Number.isFinite(patch.chunkDelayMs)) next.chunkDelayMs = Math.max(0, patch.chunkDelayMs ?? 0);
  if (Number.isFinite(patch.latencyMs)) next.latencyMs = Math.max(0, patch.latencyMs ?? 0);
  if (patch.toolCalls !== undefined) {
    next.toolCalls = patch.toolCalls.length > 0 ? patch.toolCalls.map((call) => ({ ...call })) : undefined;
  }
  return next;
}

/** What an answer is planned from: its completion id and model, the request, and the reply settings. */
export interface AnswerInput {
  id: string;
  model: string;
  request: SimChatRequest;
  settings: SimReplySettings;
}

/** Plans the answer to one request. */
export function planAnswer({ id, model, request, settings }: AnswerInput): SimAnswer {
  const toolCalls = settings.toolCalls;
  const content = toolCalls ? '' : (settings.content ?? defaultSimContent(request.lastUserText));
  let outputChars = content.length;
  if (toolCalls) for (const call of toolCalls) outputChars += call.name.length + call.arguments.length;
  return {
    id,
    created: Math.floor(Date.now() / 1000),
    model,
    content,
    toolCalls,
    settings,
    request,
    completionTokens: estimateTokens(outputChars),
    promptTokens: estimateTokens(request.promptChars),
  };
}

/**
 * Splits `text` into `count` pieces as even as possible (longer pieces first). Shorter text gives
 * one piece per character, empty text none; surrogate pairs are never split.
 */
export function splitContent(text: string, count: number): string[] {
  const pieces = Math.min(Math.max(1, Math.floor(count)), text.length);
  const out: string[] = [];
  if (pieces === 0) return out;
  const base = Math.floor(text.length / pieces);
  const extra = text.length % pieces;
  let start = 0;
  for (let i = 0; i < pieces; i++) {
    let end = i === pieces - 1 ? text.length : start + base + (i < extra ? 1 : 0);
    const before = text.charCodeAt(end - 1);
    if (end < text.length && before >= 0xd800 && before <= 0xdbff) end++;
    if (end > start) out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

// A word with the whitespace before it, plus the whitespace after it when nothing follows.
const WORD_PIECE = /\s*\S+(?:\s+$)?/gu;

/**
 * Splits `text` into words, each with the whitespace before it (trailing whitespace joins the last
 * word), the way model tokens carry their leading space; the pieces join to `text` exactly. Text of
 * whitespace only is one piece, empty text none.
 */
export function splitWords(text: string): string[] {
  const words: string[] = text.match(WORD_PIECE) ?? [];
  if (words.length === 0 && text !== '') words.push(text);
  return words;
}

/** Usage block shared by the non-streamed body and the streamed usage chunk. */
export function answerUsage(
  answer: SimAnswer,
  choices: number,
): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  const completion = answer.completionTokens * choices;
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: completion,
    total_tokens: answer.promptTokens + completion,
  };
}

/** The complete `chat.completion` object for a non-streamed answer (with `n` choices). */
export function completionBody(answer: SimAnswer): Record<string, unknown> {
  const toolCalls = answer.toolCalls;
  const message = toolCalls
    ? {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: toolCalls.map((call, i) => ({
          id: toolCallId(answer.id, i),
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      }
    : { role: 'assistant', content: answer.content, refusal: null };
  const finishReason = toolCalls ? 'tool_calls' : 'stop';
  const choices = [];
  for (let index = 0; index < answer.request.n; index++) {
    choices.push({ index, message, logprobs: null, finish_reason: finishReason });
  }
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    system_fingerprint: 'fp_sim',
    choices,
    usage: answerUsage(answer, answer.request.n),
  };
}

/** Deterministic id of the `index`th tool call of a completion. */
export function toolCallId(completionId: string, index: number): string {
  return `call_${completionId.slice('chatcmpl-'.length)}_${index}`;
}
