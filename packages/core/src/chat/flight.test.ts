// Flight: one shared upstream call — late joiners get every chunk, the call stops when nobody listens.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { Flight, FlightRegistry } from './flight.js';

function chunk(content: string, finish: string | null = null): ChatCompletionChunk {
  return {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
}

/** A producer whose chunks are released by the test, one `step()` at a time. */
function controlledProducer(contents: string[]) {
  let release: (() => void) | undefined;
  let aborted = false;
  const step = () => release?.();
  async function* produce(signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
    signal.addEventListener('abort', () => {
      aborted = true;
      release?.();
    });
    for (const [i, content] of contents.entries()) {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (signal.aborted) throw new Error('aborted');
      yield chunk(content, i === contents.length - 1 ? 'stop' : null);
    }
  }
  return { produce, step, wasAborted: () => aborted };
}

async function take(iterator: AsyncIterator<ChatCompletionChunk>, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value.choices[0]?.delta.content ?? '');
  }
  return out;
}

describe('Flight', () => {
  it('gives a late joiner every chunk from the start, and JSON subscribers the assembled answer', async () => {
    const source = controlledProducer(['a', 'b', 'c']);
    const flight = new Flight('stream', source.produce);
    const first = flight.chunksFor(undefined);
    const firstTwo = take(first, 2);
    source.step();
    await new Promise((r) => setImmediate(r));
    source.step();
    expect(await firstTwo).toEqual(['a', 'b']);

    const late = flight.chunksFor(undefined);
    const json = flight.completionFor(undefined);
    const lateAll = take(late, 3);
    source.step();
    expect(await lateAll).toEqual(['a', 'b', 'c']);
    expect(await take(first, 5)).toEqual(['c']);
    expect((await json).completion.choices[0]?.message.content).toBe('abc');
    expect((await flight.done)?.completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('keeps going when one subscriber leaves, and aborts when the last one does', async () => {
    const source = controlledProducer(['a', 'b', 'c']);
    const registry = new FlightRegistry();
    const flight = registry.start('k', 'stream', source.produce);
    const one = flight.chunksFor(undefined);
    const two = flight.chunksFor(undefined);
    const p1 = take(one, 1);
    const p2 = take(two, 1);
    source.step();
    await Promise.all([p1, p2]);
    await one.return(undefined);
    expect(source.wasAborted()).toBe(false);
    expect(registry.get('k')).toBe(flight);
    await two.return(undefined);
    expect(source.wasAborted()).toBe(true);
    expect(registry.get('k')).toBeUndefined(); // a newcomer starts its own call
    expect(await flight.done).toBeUndefined(); // nothing to store
  });

  it('passes the call error to every subscriber', async () => {
    const flight = new Flight('json', async () => {
      throw new Error('upstream down');
    });
    await expect(flight.completionFor(undefined)).rejects.toThrow('upstream down');
    await expect(take(flight.chunksFor(undefined), 1)).rejects.toThrow('upstream down');
  });

  it('lets a subscriber stop waiting when its own signal aborts', async () => {
    const source = controlledProducer(['a']);
    const flight = new Flight('stream', source.produce);
    const keeper = flight.chunksFor(undefined);
    const pendingKeeper = take(keeper, 1);
    const controller = new AbortController();
    const waiting = flight.completionFor(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(source.wasAborted()).toBe(false);
    source.step();
    expect(await pendingKeeper).toEqual(['a']);
  });
});
