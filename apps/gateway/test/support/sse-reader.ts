// Test helper: reads a fetch Response's SSE body event by event (id and data), as it arrives.

export interface SseEvent {
  id: string | undefined;
  data: string;
}

/** Every event of `response`'s body, in order; ends when the body ends, throws when the connection breaks. */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error('the response has no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      yield { id, data: data.join('\n') };
    }
  }
}

/** The content delta of an OpenAI chunk event ('' for none, [DONE] or an error). */
export function contentOf(event: SseEvent): string {
  if (event.data === '[DONE]') return '';
  const chunk = JSON.parse(event.data) as { choices?: Array<{ delta?: { content?: string | null } }> };
  return chunk.choices?.[0]?.delta?.content ?? '';
}
