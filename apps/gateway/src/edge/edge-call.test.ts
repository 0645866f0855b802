// The edge call's one signal: made only when the engine asks, fed by the client and the drain, unhooked at the end.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createDrain } from './drain.js';
import { openEdgeCall } from './edge-call.js';

const open = (drain = createDrain(), clientSignal?: AbortSignal) => ({
  drain,
  call: openEdgeCall({ requestId: 'r', cache: 'default', clientId: undefined, drain, clientSignal }),
});

describe('openEdgeCall', () => {
  it('adds nothing to the drain until the signal is asked for, and removes it at the end', () => {
    const { drain, call } = open();
    expect(getEventListeners(drain.signal, 'abort')).toHaveLength(0);
    const signal = call.options.signal;
    expect(getEventListeners(drain.signal, 'abort')).toHaveLength(1);
    call.end();
    expect(getEventListeners(drain.signal, 'abort')).toHaveLength(0);
    expect(signal?.aborted).toBe(false);
  });

  it('aborts on the drain, on a client that left, and on the client signal, whenever the signal is made', () => {
    const drained = open();
    const early = drained.call.options.signal;
    drained.drain.end();
    expect(early?.aborted).toBe(true);

    const left = open();
    left.call.clientLeft();
    expect(left.call.clientGone()).toBe(true);
    expect(left.call.options.signal?.aborted).toBe(true);

    const client = new AbortController();
    const trpc = open(createDrain(), client.signal);
    client.abort();
    expect(trpc.call.clientGone()).toBe(true);
    expect(trpc.call.options.signal?.aborted).toBe(true);

    const late = open(createDrain(), new AbortController().signal);
    const signal = late.call.options.signal;
    late.drain.end();
    expect(signal?.aborted).toBe(true);
    expect(late.call.options.signal).toBe(signal);
  });
});
