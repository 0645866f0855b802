// Reads the few fields of a chat request the simulator cares about, tolerating any shape.

/** What the simulator takes from a chat-completions request body. */
export interface SimChatRequest {
  /** The requested model, or `undefined` when absent or not a string. */
  model: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  /** Number of choices (1..128); only non-streamed answers honour more than one. */
  n: number;
  /** Text of the last user message ('' when none). */
  lastUserText: string;
  /** Characters of text in all messages, the basis of the prompt token estimate. */
  promptChars: number;
}

const MAX_N = 128;

/** Extracts the simulator-relevant fields from a parsed JSON body; unknown shapes degrade to defaults. */
export function readChatRequest(body: unknown): SimChatRequest {
  const obj = isRecord(body) ? body : {};
  const streamOptions = obj.stream_options;
  const n = typeof obj.n === 'number' && Number.isInteger(obj.n) ? Math.min(Math.max(obj.n, 1), MAX_N) : 1;
  let lastUserText = '';
  let promptChars = 0;
  if (Array.isArray(obj.messages)) {
    for (const message of obj.messages) {
      if (!isRecord(message)) continue;
      const text = messageText(message.content);
      promptChars += text.length;
      if (message.role === 'user') lastUserText = text;
    }
  }
  return {
    model: typeof obj.model === 'string' && obj.model !== '' ? obj.model : undefined,
    stream: obj.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    n,
    lastUserText,
    promptChars,
  };
}

/** Text of a message's content: the string itself, or its text parts joined with '\n'. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('\n');
}

/** A rough, deterministic token estimate: a quarter of the characters, at least 1. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** True for plain (non-array) objects. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
