// CallAbort keeps the AbortSignal semantics the engine relies on: once, in order, none after the abort, errors not swallowed.
import { describe, expect, it } from 'vitest';
import { CallAbort, type CallSignal } from './call-signal.js';

describe('CallAbort', () => {
  it('runs each listener once, in the order added, and stays aborted with its reason', () => {
    const abort = new CallAbort();
    const calls: string[] = [];
    const a = () => calls.push('a');
    abort.signal.addEventListener('abort', a);
    abort.signal.addEventListener('abort', () => calls.push('b'), { once: true });
    abort.signal.addEventListener('abort', a);
    expect(abort.signal.aborted).toBe(false);
    abort.abort('gone');
    abort.abort('again');
    expect(calls).toEqual(['a', 'b']);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe('gone');
  });

  it('never runs a removed listener, nor one added after the abort', () => {
    const abort = new CallAbort();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    abort.addEventListener('abort', removed);
    abort.removeEventListener('abort', removed);
    abort.abort();
    abort.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual([]);
    expect(abort.reason).toBeInstanceOf(DOMException);
  });

  it('as a long-lived signal (the shutdown drain), keeps the order of many listeners as calls come and go', () => {
    const abort = new CallAbort();
    const heard: number[] = [];
    const listeners = Array.from({ length: 1000 }, (_, call) => () => heard.push(call));
    for (const listener of listeners) abort.addEventListener('abort', listener);
    // Every call but each hundredth ends before the abort and removes its listener.
    listeners.forEach((listener, call) => {
      if (call % 100 !== 0) abort.removeEventListener('abort', listener);
    });
    abort.addEventListener('abort', listeners[5] as () => void);
    abort.abort();
    expect(heard).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 5]);
  });

  it('runs the other listeners when one throws, and reports the error instead of swallowing it', async () => {
    const abort = new CallAbort();
    const calls: string[] = [];
    const reported = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    abort.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    abort.addEventListener('abort', () => calls.push('second'));
    abort.abort();
    expect(calls).toEqual(['second']);
    expect(await reported).toMatchObject({ message: 'listener failed' });
  });

  it('takes a DOM AbortSignal wherever a CallSignal is asked for', () => {
    const controller = new AbortController();
    const signal: CallSignal = controller.signal;
    let heard = 0;
    signal.addEventListener('abort', () => (heard += 1), { once: true });
    controller.abort();
    expect(heard).toBe(1);
  });
});
