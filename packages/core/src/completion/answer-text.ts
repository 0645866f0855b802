// A completion as the JSON text clients receive, with the place of `usage.from_cache` known (no re-serialising).
import type { ChatCompletion } from '@llm-gateway/contracts';

/**
 * The answer's bytes around the value of `usage.from_cache`: `head + 'true' | 'false' + tail`. A fresh
 * answer is the upstream's own text with the flag spliced in; a stored one is served the same way, so a
 * hit costs two string joins, not a parse and a stringify.
 */
export interface AnswerText {
  readonly head: string;
  readonly tail: string;
}

/** A complete answer: its value (for the gateway's decisions, tRPC and replay) and its text (what REST sends). */
export interface Answer {
  completion: ChatCompletion;
  text: AnswerText;
}

/** The JSON a client receives. */
export function answerJson(text: AnswerText, fromCache: boolean): string {
  return `${text.head}${fromCache}${text.tail}`;
}

/**
 * The `usage` object of a stored answer (its token counts, for the tokens a hit saved), read from the
 * text without parsing the whole answer: the head ends inside it, right before `"from_cache":`.
 */
export function storedUsage(text: AnswerText): unknown {
  const at = text.head.lastIndexOf('"usage":{');
  if (at === -1) return undefined;
  try {
    return JSON.parse(`${text.head.slice(at + '"usage":'.length)}false}`);
  } catch {
    return undefined;
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;

/** The index of the quote closing the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at !== -1) {
    let slashes = 0;
    for (let i = at - 1; text.charCodeAt(i) === BACKSLASH; i -= 1) slashes += 1;
    if (slashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}

/** The index of the bracket closing the object or array that opens at `start`. */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text.charAt(i))) i += 1;
  return i;
}

/** `usage` → its object gets the flag; `null` → an object with only the flag. */
function spliceAtUsage(text: string, valueStart: number): AnswerText | undefined {
  if (text.charCodeAt(valueStart) === OPEN_BRACE) {
    const close = valueEnd(text, valueStart);
    if (close === -1) return undefined;
    const empty = skipSpace(text, valueStart + 1) === close;
    return {
      head: `${text.slice(0, close)}${empty ? '' : ','}"from_cache":`,
      tail: text.slice(close),
    };
  }
  if (text.startsWith('null', valueStart)) {
    return { head: `${text.slice(0, valueStart)}{"from_cache":`, tail: `}${text.slice(valueStart + 4)}` };
  }
  return undefined;
}

/**
 * Finds the top-level `usage` of a completion's JSON text (valid JSON: the caller parsed it) and marks
 * where `from_cache` goes, keeping every other byte as the upstream sent it; a completion without usage
 * gets one. Undefined when it is not an object with an object or null usage (the caller serialises the
 * parsed value instead).
 */
export function spliceFromCache(text: string): AnswerText | undefined {
  const start = skipSpace(text, 0);
  if (text.charCodeAt(start) !== OPEN_BRACE) return undefined;
  let depth = 0;
  let expectKey = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (end - i === 6 && text.startsWith('usage', i + 1)) {
          const colon = skipSpace(text, end + 1);
          if (text.charCodeAt(colon) !== 58) return undefined;
          return spliceAtUsage(text, skipSpace(text, colon + 1));
        }
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      expectKey = depth === 1;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) {
        // No usage at all: add one before the closing brace.
        const empty = skipSpace(text, start + 1) === i;
        return {
          head: `${text.slice(0, i)}${empty ? '' : ','}"usage":{"from_cache":`,
          tail: `}${text.slice(i)}`,
        };
      }
    } else if (c === COMMA && depth === 1) expectKey = true;
  }
  return undefined;
}

/** A completion we hold as a value (a folded stream): serialised once, with the flag as the last field. */
export function serializeAnswer(completion: ChatCompletion): AnswerText {
  const { usage, ...rest } = completion;
  const { from_cache: _flag, ...counts } = usage ?? {};
  const withUsage = JSON.stringify({ ...rest, usage: counts });
  // `usage` is the last key, so its object closes right before the final brace.
  return spliceAtUsage(withUsage, withUsage.lastIndexOf('"usage":') + '"usage":'.length) as AnswerText;
}

/** The stored form of an answer: `<head length>|<head><tail>`, one string for memory and Redis alike. */
export function encodeAnswer(text: AnswerText): string {
  return `${text.head.length}|${text.head}${text.tail}`;
}

/**
 * The answer a stored string holds, or undefined for a value that is not one. A bare completion JSON
 * (what earlier versions stored under the same key) is read too, so a rolling upgrade keeps its cache.
 */
export function decodeAnswer(stored: string): AnswerText | undefined {
  const bar = stored.indexOf('|');
  if (bar > 0 && bar < 12 && /^\d+$/.test(stored.slice(0, bar))) {
    const headLength = Number(stored.slice(0, bar));
    const body = stored.slice(bar + 1);
    if (headLength > body.length) return undefined;
    return { head: body.slice(0, headLength), tail: body.slice(headLength) };
  }
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (!isCompletion(value)) return undefined;
  return serializeAnswer(value);
}

function isCompletion(value: unknown): value is ChatCompletion {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.object === 'chat.completion' && Array.isArray(record.choices);
}
