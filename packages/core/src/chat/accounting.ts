// Where the chat engine tells the usage meter what each answer used, and settles the call's token reservation.
import type { Answer } from '../completion/answer-text.js';
import type { StreamSink, StreamSource } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import { ANONYMOUS_CALLER } from '../usage/key-policy.js';
import { settleReservation } from '../usage/token-limits.js';
import {
  completionChars,
  estimatedUsage,
  estimatePromptTokens,
  type TokenUsage,
  tokenUsageOf,
} from '../usage/token-usage.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import type { Admitted } from './admission.js';
import { isUsageChunk } from './answer-shaping.js';
import type { CallOptions } from './chat-types.js';
import { deltaChars } from './chunk-content.js';
import type { Served } from './fetch-answer.js';
import type { Flight } from './flight.js';

/** One call that went upstream: who pays, what was reserved, what was asked. */
export interface FreshCall {
  call: CallOptions;
  admitted: Admitted;
  body: UpstreamBody;
}

export interface Accounting {
  /** A complete fresh answer (JSON). */
  answered(fresh: FreshCall, result: { answer: Answer; served: Served }): void;
  /** A fresh call that failed before any answer: its reservation is given back, nothing is counted. */
  failed(admitted: Admitted): void;
  /** A fresh stream, watched as it passes: its usage chunk (dropped unless asked for), or what reached the client. */
  stream(source: StreamSource, fresh: FreshCall & { served: Served; includeUsage: boolean }): StreamSource;
  /** A flight this call leads: counted once, when the flight ends, whoever still listens. */
  leader(
    flight: Flight,
    leader: { call: CallOptions; admitted: Promise<Admitted>; body: UpstreamBody },
  ): void;
  /** An answer the cache or an identical call served. */
  saved(call: CallOptions, model: string, usage: unknown): void;
}

const keyOf = (call: CallOptions): string => (call.caller ?? ANONYMOUS_CALLER).name;

export function createAccounting(meter: UsageMeter | undefined): Accounting {
  /** Counts what was used (or estimated) and settles the reservation with it. */
  function used(fresh: FreshCall, model: string, usage: { tokens: TokenUsage; estimated: boolean }): void {
    settleReservation(fresh.admitted.tokens, usage.tokens.total);
    meter?.fresh(keyOf(fresh.call), model, usage);
  }

  /** What reached the client of an answer without usage: the prompt estimated, the output by its length. */
  function estimated(fresh: FreshCall, model: string, outputChars: number): void {
    used(fresh, model, {
      tokens: estimatedUsage(estimatePromptTokens(fresh.body), outputChars),
      estimated: true,
    });
  }

  function answered(fresh: FreshCall, model: string, answer: Answer): void {
    const tokens = tokenUsageOf(answer.completion.usage);
    if (tokens) used(fresh, model, { tokens, estimated: false });
    else estimated(fresh, model, completionChars(answer.completion));
  }

  return {
    answered: (fresh, { answer, served }) => answered(fresh, served.model ?? fresh.body.model, answer),

    failed: (admitted) => settleReservation(admitted.tokens, 0),

    stream(source, fresh) {
      const { includeUsage } = fresh;
      const model = fresh.served.model ?? fresh.body.model;
      let usage: TokenUsage | undefined;
      let chars = 0;
      let events = 0;
      let counted = false;
      const count = (complete: boolean) => {
        if (counted) return;
        counted = true;
        if (complete && usage) used(fresh, model, { tokens: usage, estimated: false });
        else if (events > 0) estimated(fresh, model, chars);
        else settleReservation(fresh.admitted.tokens, 0);
      };
      return {
        start(sink: StreamSink) {
          source.start({
            event(event) {
              events += 1;
              const { chunk } = event;
              if (chunk.usage != null) usage = tokenUsageOf(chunk.usage) ?? usage;
              if (isUsageChunk(chunk)) {
                if (!includeUsage) return;
              } else chars += deltaChars(chunk);
              sink.event(event);
            },
            end() {
              count(true);
              sink.end();
            },
            fail(error) {
              count(false);
              sink.fail(error);
            },
          });
        },
        pause: () => source.pause(),
        resume: () => source.resume(),
        close() {
          count(false);
          source.close();
        },
      };
    },

    leader(flight, { call, admitted, body }) {
      void Promise.all([admitted, flight.done]).then(
        ([granted, answer]) => {
          const fresh = { call, admitted: granted, body };
          const model = flight.served?.model ?? body.model;
          if (answer) answered(fresh, model, answer);
          else if (flight.eventCount > 0) estimated(fresh, model, flight.outputChars());
          else settleReservation(granted.tokens, 0);
        },
        // Refused at admission: nothing was reserved or answered.
        () => undefined,
      );
    },

    saved(call, model, usage) {
      meter?.saved(keyOf(call), model, tokenUsageOf(usage));
    },
  };
}
