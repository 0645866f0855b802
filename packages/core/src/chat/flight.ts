// One in-flight upstream call shared by every identical request (coalescing), for JSON and for streams.
import type { ChatCompletionChunk } from '@llm-gateway/contracts';
import { clientClosedError, GatewayError } from '@llm-gateway/contracts';
import { type Answer, serializeAnswer } from '../completion/answer-text.js';
import { ChunkAssembler } from '../completion/assemble-chunks.js';

/**
 * A shared upstream call. Subscribers join at any time: stream subscribers get every chunk from the
 * start, JSON subscribers get the whole answer. The call is aborted only when nobody listens any more.
 */
export class Flight {
  readonly kind: 'json' | 'stream';
  private readonly controller = new AbortController();
  private readonly chunks: ChatCompletionChunk[] = [];
  private readonly assembler = new ChunkAssembler();
  private listeners = new Set<() => void>();
  private subscribers = 0;
  private settled = false;
  /** Everyone left and the call was aborted: a newcomer must start its own call, not join this one. */
  abandoned = false;
  private failure: { error: unknown } | undefined;
  private completion: Answer | undefined;
  /** Resolves with the complete answer (undefined when the call failed or was cut off). */
  readonly done: Promise<Answer | undefined>;

  constructor(
    kind: 'json' | 'stream',
    produce: (signal: AbortSignal) => Promise<Answer> | AsyncIterable<ChatCompletionChunk>,
  ) {
    this.kind = kind;
    this.done = this.run(produce);
  }

  /** Stops the upstream call when the last subscriber has gone. */
  private leave(): void {
    this.subscribers -= 1;
    if (this.subscribers === 0 && !this.settled) {
      this.abandoned = true;
      this.controller.abort();
    }
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private async run(
    produce: (signal: AbortSignal) => Promise<Answer> | AsyncIterable<ChatCompletionChunk>,
  ): Promise<Answer | undefined> {
    try {
      const result = produce(this.controller.signal);
      if (Symbol.asyncIterator in result) {
        for await (const chunk of result) {
          this.chunks.push(chunk);
          this.assembler.push(chunk);
          this.notify();
        }
        // Folded once, at the end: the answer JSON callers and the cache get.
        const folded = this.assembler.result();
        this.completion =
          folded === undefined ? undefined : { completion: folded, text: serializeAnswer(folded) };
      } else {
        this.completion = await result;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.settled = true;
      this.notify();
    }
    return this.failure ? undefined : this.completion;
  }

  private waitForChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.listeners.delete(listener);
        reject(clientClosedError());
      };
      const listener = () => {
        this.listeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) {
        reject(clientClosedError());
        return;
      }
      this.listeners.add(listener);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Every chunk from the first, live, ending when the call ends; the call's error is thrown. */
  async *chunksFor(signal: AbortSignal | undefined): AsyncGenerator<ChatCompletionChunk> {
    this.subscribers += 1;
    try {
      let index = 0;
      for (;;) {
        while (index < this.chunks.length) {
          const chunk = this.chunks[index];
          index += 1;
          if (chunk !== undefined) yield chunk;
        }
        if (this.failure) throw this.failure.error;
        if (this.settled) return;
        await this.waitForChange(signal);
      }
    } finally {
      this.leave();
    }
  }

  /** The whole answer; throws the call's error, or client_closed_request when `signal` aborts first. */
  async completionFor(signal: AbortSignal | undefined): Promise<Answer> {
    this.subscribers += 1;
    try {
      while (!this.settled) await this.waitForChange(signal);
      if (this.failure) throw this.failure.error;
      if (this.completion === undefined) {
        throw new GatewayError('upstream_bad_response', 'The upstream stream ended before it was complete.');
      }
      // Shared, not copied: callers treat a completion as read-only (see withUsageFlag).
      return this.completion;
    } finally {
      this.leave();
    }
  }
}

/** The registry of in-flight calls by cache key; a flight leaves it as soon as it settles. */
export class FlightRegistry {
  private readonly flights = new Map<string, Flight>();

  get(key: string): Flight | undefined {
    const flight = this.flights.get(key);
    return flight?.abandoned ? undefined : flight;
  }

  start(
    key: string,
    kind: 'json' | 'stream',
    produce: (signal: AbortSignal) => Promise<Answer> | AsyncIterable<ChatCompletionChunk>,
  ): Flight {
    const flight = new Flight(kind, produce);
    this.flights.set(key, flight);
    void flight.done.then(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    return flight;
  }

  get size(): number {
    return this.flights.size;
  }
}
