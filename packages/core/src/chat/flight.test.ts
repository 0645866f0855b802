// Flight: one shared upstream call — late joiners get every chunk, the call stops when nobody listens.
import { type ChatCompletionChunk, clientClosedError } from '@llm-gateway/contracts';
import { describe, expect, it } from 'vitest';
import type { CallSignal } from '../signal/call-signal.js';
import type { StreamEvent, StreamSink, StreamSource } from '../stream/stream-event.js';
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

/** The chunk a stream asked for usage ends with: no choices, only the counts. */
function usageChunk(): ChatCompletionChunk {
  return {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, from_cache: false },
  };
}

function eventOf(value: ChatCompletionChunk): StreamEvent {
  return { chunk: value, text: JSON.stringify(value) };
}

/** Chunks whose contents are `contents`, the last one finishing the answer. */
function answerEvents(contents: string[]): StreamEvent[] {
  return contents.map((content, i) => eventOf(chunk(content, i === contents.length - 1 ? 'stop' : null)));
}

/**
 * A push producer whose events the test releases, one `step()` at a time; the step that releases the
 * last event also ends the stream. Released events wait until the flight starts the source, as an
 * upstream stream holds what arrives before it has a sink.
 */
function controlledProducer(events: StreamEvent[]) {
  let sink: StreamSink | undefined;
  let released = 0;
  let delivered = 0;
  let aborted = false;
  const flush = () => {
    if (!sink) return;
    while (delivered < released) {
      const event = events[delivered];
      delivered += 1;
      if (event) sink.event(event);
    }
    if (delivered === events.length) sink.end();
  };
  const source: StreamSource = {
    start: (target) => {
      sink = target;
      flush();
    },
    pause: () => {},
    resume: () => {},
    close: () => {
      sink = undefined;
    },
  };
  async function produce(signal: CallSignal): Promise<{ source: StreamSource }> {
    signal.addEventListener(
      'abort',
      () => {
        aborted = true;
        // What the upstream stream does when its call is aborted; the flight settles on it.
        sink?.fail(clientClosedError());
      },
      { once: true },
    );
    return { source };
  }
  const step = () => {
    released = Math.min(released + 1, events.length);
    flush();
  };
  return { produce, step, wasAborted: () => aborted };
}

/** A sink that records what it is given. */
function recorder() {
  const events: StreamEvent[] = [];
  const state: { ended: boolean; error: unknown } = { ended: false, error: undefined };
  const sink: StreamSink = {
    event: (event) => {
      events.push(event);
    },
    end: () => {
      state.ended = true;
    },
    fail: (error) => {
      state.error = error;
    },
  };
  const contents = () => events.map((event) => event.chunk.choices[0]?.delta.content ?? '');
  return { sink, events, state, contents };
}

/** Subscribes to `flight` and starts the subscription into a fresh recorder. */
function listen(flight: Flight, includeUsage = true) {
  const record = recorder();
  const subscription = flight.subscribe(includeUsage);
  subscription.start(record.sink);
  return { ...record, close: () => subscription.close() };
}

describe('Flight', () => {
  it('gives a late joiner every chunk from the start, and JSON subscribers the assembled answer', async () => {
    const source = controlledProducer(answerEvents(['a', 'b', 'c']));
    const flight = Flight.stream(source.produce);
    const first = listen(flight);
    source.step();
    source.step();
    await flight.openedFor(undefined);
    expect(first.contents()).toEqual(['a', 'b']);

    const late = listen(flight);
    const json = flight.completionFor(undefined);
    expect(late.contents()).toEqual(['a', 'b']); // replayed at once
    source.step();
    expect(late.contents()).toEqual(['a', 'b', 'c']);
    expect(first.contents()).toEqual(['a', 'b', 'c']);
    expect(first.state).toEqual({ ended: true, error: undefined });
    expect(late.state).toEqual({ ended: true, error: undefined });
    expect((await json).completion.choices[0]?.message.content).toBe('abc');
    expect((await flight.done)?.completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('keeps going when one subscriber leaves, and aborts when the last one does', async () => {
    const source = controlledProducer(answerEvents(['a', 'b', 'c']));
    const registry = new FlightRegistry();
    const flight = registry.start('k', Flight.stream(source.produce));
    const one = listen(flight);
    const two = listen(flight);
    source.step();
    await flight.openedFor(undefined);
    expect(one.contents()).toEqual(['a']);
    expect(two.contents()).toEqual(['a']);
    one.close();
    expect(source.wasAborted()).toBe(false);
    expect(registry.get('k')).toBe(flight);
    source.step();
    expect(two.contents()).toEqual(['a', 'b']);
    expect(one.contents()).toEqual(['a']); // nothing more after leaving
    two.close();
    expect(source.wasAborted()).toBe(true);
    expect(registry.get('k')).toBeUndefined(); // a newcomer starts its own call
    expect(await flight.done).toBeUndefined(); // nothing to store
    expect(one.state).toEqual({ ended: false, error: undefined });
    expect(two.state).toEqual({ ended: false, error: undefined });
  });

  it('passes the call error to every subscriber', async () => {
    const json = Flight.json(async () => {
      throw new Error('upstream down');
    });
    const waiting = json.completionFor(undefined);
    await expect(waiting).rejects.toThrow('upstream down');
    await expect(json.completionFor(undefined)).rejects.toThrow('upstream down');

    const failure = new Error('upstream down');
    const stream = Flight.stream(async () => {
      throw failure;
    });
    const early = listen(stream);
    await expect(stream.openedFor(undefined)).rejects.toBe(failure);
    const late = listen(stream);
    for (const subscriber of [early, late]) {
      expect(subscriber.state).toEqual({ ended: false, error: failure });
      expect(subscriber.events).toEqual([]);
    }
    expect(await stream.done).toBeUndefined();
  });

  it('lets a subscriber stop waiting when its own signal aborts', async () => {
    const source = controlledProducer(answerEvents(['a']));
    const flight = Flight.stream(source.produce);
    const keeper = listen(flight);
    const controller = new AbortController();
    const waiting = flight.completionFor(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(source.wasAborted()).toBe(false);
    source.step();
    expect(keeper.contents()).toEqual(['a']);
    expect(keeper.state).toEqual({ ended: true, error: undefined });
    expect((await flight.done)?.completion.choices[0]?.message.content).toBe('a');
  });

  it('skips the usage chunk for a subscriber that did not ask for usage', async () => {
    const events = [...answerEvents(['a']), eventOf(usageChunk())];
    const source = controlledProducer(events);
    const flight = Flight.stream(source.produce);
    const withUsage = listen(flight, true);
    const withoutUsage = listen(flight, false);
    source.step();
    source.step();
    expect((await flight.done)?.completion.usage).toMatchObject({ total_tokens: 4 });
    const lateWithout = listen(flight, false); // the replay skips it too
    const lateWith = listen(flight, true);
    for (const subscriber of [withUsage, lateWith]) {
      expect(subscriber.events.map((event) => event.chunk)).toEqual(events.map((event) => event.chunk));
    }
    for (const subscriber of [withoutUsage, lateWithout]) {
      expect(subscriber.events.map((event) => event.chunk)).toEqual([chunk('a', 'stop')]);
    }
    for (const subscriber of [withUsage, withoutUsage, lateWith, lateWithout]) {
      expect(subscriber.state).toEqual({ ended: true, error: undefined });
    }
  });

  it("relays the producer's own text of each event, unchanged", async () => {
    // Spaced as Python's json.dumps writes it, so a re-serialised chunk would not match.
    const upstreamText = (value: ChatCompletionChunk) =>
      JSON.stringify(value).replaceAll('":', '": ').replaceAll(',"', ', "');
    const chunks = [chunk('a'), chunk('b', 'stop'), usageChunk()];
    const events = chunks.map((value) => ({ chunk: value, text: upstreamText(value) }));
    expect(events.map((event) => JSON.parse(event.text))).toEqual(chunks);
    expect(events[0]?.text).not.toBe(JSON.stringify(chunks[0]));
    const source = controlledProducer(events);
    const flight = Flight.stream(source.produce);
    const live = listen(flight);
    for (const _event of events) source.step();
    await flight.done;
    const late = listen(flight);
    const texts = events.map((event) => event.text);
    expect(live.events.map((event) => event.text)).toEqual(texts);
    expect(late.events.map((event) => event.text)).toEqual(texts);
  });
});
