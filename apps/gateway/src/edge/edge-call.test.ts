// The edge call's one signal: made only when the engine asks, fed by the client and the drain, unhooked at the end.
import type { CallSignal } from '@llm-gateway/core';
import { describe, expect, it } from 'vitest';
import { createDrain, type Drain } from './drain.js';
import { openEdgeCall } from './edge-call.js';

const open = <D extends Drain = Drain>(drain: D = createDrain() as D, clientSignal?: AbortSignal) => ({
  drain,
  call: openEdgeCall({ requestId: 'r', cache: 'default', clientId: undefined, drain, clientSignal }),
});

/** The real drain, with a count of the listeners its signal holds. */
function countingDrain(): Drain & { listeners: Set<() => void> } {
  const inner = createDrain();
  const listeners = new Set<() => void>();
  const signal: CallSignal = {
    get aborted() {
      return inner.signal.aborted;
    },
    get reason() {
      return inner.signal.reason;
    },
    addEventListener(type, listener, options) {
      listeners.add(listener);
      inner.signal.addEventListener(type, listener, options);
    },
    removeEventListener(type, listener) {
      listeners.delete(listener);
      inner.signal.removeEventListener(type, listener);
    },
  };
  return { signal, end: () => inner.end(), listeners };
}

describe('openEdgeCall', () => {
  it('adds nothing to the drain until the signal is asked for, and removes it at the end', () => {
    const { drain, call } = open(countingDrain());
    expect(drain.listeners.size).toBe(0);
    const signal = call.options.signal;
    expect(drain.listeners.size).toBe(1);
    call.end();
    expect(drain.listeners.size).toBe(0);
    // Unhooked: the shutdown deadline no longer reaches a call that is over.
    drain.end();
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
