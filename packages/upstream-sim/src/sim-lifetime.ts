// ResponseLife: tracks whether a response's connection is still open and offers sleeps that end when it closes.
import type { ServerResponse } from 'node:http';

/**
 * One per response. Its sleeps resolve `false` as soon as the client goes away, so a delayed or
 * stalled reply never keeps a timer (or the handler) alive after the connection is gone.
 */
export class ResponseLife {
  /** True once the response emitted 'close' (finished, aborted by the client, or destroyed by us). */
  closed = false;
  /** True when the simulator itself destroyed the socket (a reset fault): not a client abort. */
  destroyedByServer = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: ((alive: boolean) => void) | undefined;

  constructor(readonly res: ServerResponse) {}

  /** Called from the response's 'close' listener: cancels a pending sleep. */
  markClosed(): void {
    this.closed = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const wake = this.wake;
    this.wake = undefined;
    wake?.(false);
  }

  /** Waits `ms`; resolves `true` if the connection is still open afterwards, `false` if it closed meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve(!this.closed);
      }, ms);
    });
  }

  /** Destroys the socket on purpose (after pending writes are flushed when `afterWrite` is used). */
  destroySocket(): void {
    this.destroyedByServer = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }

  /** Writes `data`, then destroys the socket once the data reached the kernel, so the client sees it first. */
  writeThenDestroy(data: string): void {
    this.destroyedByServer = true;
    this.res.write(data, () => this.destroySocket());
  }
}
