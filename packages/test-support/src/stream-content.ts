// The text a sequence of chat-completion stream chunks spells out.

/** The part of a stream chunk that carries text: `choices[0].delta.content`. */
export interface ContentChunk {
  choices: ReadonlyArray<{ delta: { content?: string | null } }>;
}

/**
 * Concatenates the `delta.content` of each chunk's first choice; a chunk with no choices or a null
 * content adds nothing. Each chunk must have the {@link ContentChunk} shape: a chunk without
 * `choices`, or a first choice without `delta`, throws (a parsed event is passed as it is).
 */
export function streamedContent(chunks: Iterable<ContentChunk | Record<string, unknown>>): string {
  let text = '';
  for (const chunk of chunks) {
    const content = (chunk as ContentChunk).choices[0]?.delta.content;
    if (typeof content === 'string') text += content;
  }
  return text;
}
