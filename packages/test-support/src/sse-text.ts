// Splitting a server-sent-events body, read as text, into its events' `data` payloads.
import { expect } from 'vitest';

/**
 * The `data` payload of each event of an OpenAI-style stream, in order. Asserts that the text is
 * nothing but such events, each exactly `data: <payload>\n\n` (one line, no other field).
 */
export function sseData(text: string): string[] {
  expect(text).toMatch(/^(data: [^\n]*\n\n)*$/);
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => event.slice('data: '.length));
}

/** The parsed JSON of each event of {@link sseData} except the `[DONE]` marker. */
export function sseJson(text: string): Array<Record<string, unknown>> {
  return sseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

/**
 * The payload of every `data: ` line, in order, whatever else the stream carries (event names, ids,
 * comments, as tRPC's event streams do); asserts nothing about the framing.
 */
export function sseDataLines(text: string): string[] {
  return [...text.matchAll(/^data: (.*)$/gm)].map((match) => match[1] ?? '');
}
