// The JSON text of a stream chunk: the upstream's own bytes while the chunk is unchanged, else serialized.

/** Decoded chunks → the `data` text they were decoded from (weak: gone with the chunk). */
const sourceText = new WeakMap<object, string>();

/** Called by the decoder: `chunk` was parsed from exactly `text`. */
export function rememberChunkText(chunk: object, text: string): void {
  sourceText.set(chunk, text);
}

/** Called before a chunk is changed in place, so its old text is never sent for the new content. */
export function forgetChunkText(chunk: object): void {
  sourceText.delete(chunk);
}

/**
 * What to write after `data: `. Relaying the upstream's text instead of re-serializing the parsed chunk
 * saves a JSON.stringify per token; the content is the same (the chunk was parsed from it).
 */
export function chunkJson(chunk: object): string {
  return sourceText.get(chunk) ?? JSON.stringify(chunk);
}
