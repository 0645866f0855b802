// Fault scheduling (queue plus a permanent fault) and the faults that replace a reply outright.
import { simErrorBody } from './sim-errors.js';
import { sendJson, sendText } from './sim-http.js';
import type { ResponseLife } from './sim-lifetime.js';
import type { SimFault, SimScriptFault } from './sim-types.js';

/** The faults that take effect part-way through a reply (they carry `afterChunks`). */
export type MidStreamFault = Extract<SimFault, { afterChunks: number }>;

/** The faults that replace a reply outright (a script is an answer of its own, written by `writeScript`). */
export type ReplacingFault = Exclude<SimFault, MidStreamFault | SimScriptFault>;

/** True for the faults that strike part-way through a reply. */
export function isMidStreamFault(fault: SimFault): fault is MidStreamFault {
  return 'afterChunks' in fault;
}

/** Hands out the fault for each chat request: queued faults first (in order), then the permanent one. */
export class FaultSchedule {
  private queue: SimFault[] = [];
  private head = 0;
  private always: SimFault | undefined;

  /** Appends faults to the queue. */
  enqueue(faults: readonly SimFault[]): void {
    for (const fault of faults) this.queue.push(fault);
  }

  /** Sets (or clears with `undefined`) the fault every request gets once the queue is empty. */
  setAlways(fault: SimFault | undefined): void {
    this.always = fault;
  }

  /** The fault for the next chat request, or `undefined` for a normal reply. */
  next(): SimFault | undefined {
    if (this.head < this.queue.length) {
      const fault = this.queue[this.head++];
      // Drop consumed entries once the queue drains, so a long benchmark never grows it.
      if (this.head === this.queue.length) this.clearQueue();
      return fault;
    }
    return this.always;
  }

  /** Forgets queued and permanent faults. */
  clear(): void {
    this.clearQueue();
    this.always = undefined;
  }

  private clearQueue(): void {
    this.queue = [];
    this.head = 0;
  }
}

/** Applies a fault that replaces the whole reply (the mid-stream kinds are handled by the reply writers). */
export function applyReplacingFault(life: ResponseLife, fault: ReplacingFault, stream: boolean): void {
  const res = life.res;
  switch (fault.kind) {
    case 'status':
      if (typeof fault.body === 'string') {
        sendText(res, {
          status: fault.status,
          text: fault.body,
          contentType: 'text/plain; charset=utf-8',
          headers: fault.headers,
        });
      } else {
        sendJson(res, {
          status: fault.status,
          body: fault.body ?? simErrorBody(fault.status),
          headers: fault.headers,
        });
      }
      return;
    case 'hang':
      // Never answer; the response's 'close' listener does the bookkeeping when the client leaves.
      return;
    case 'reset':
      life.destroySocket();
      return;
    case 'malformed':
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end('data: {not json\n\n');
      } else {
        sendText(res, {
          status: 200,
          text: '{"id":"chatcmpl-sim","object":"chat.completion","choices":[{not json',
          contentType: 'application/json',
        });
      }
      return;
  }
}
