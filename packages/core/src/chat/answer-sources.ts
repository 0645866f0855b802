// The answer of a planned call, by where it comes from (cache hit, shared flight, fresh upstream call), as JSON or a stream.
import { storedUsage } from '../completion/answer-text.js';
import { completionToChunks } from '../completion/completion-to-chunks.js';
import type { StreamSink, StreamSource } from '../stream/stream-event.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { Accounting } from './accounting.js';
import { cachedAnswer, cachedCompletion, freshAnswer, withUsageFlag } from './answer-shaping.js';
import type { AnswerSource, PlanFacts } from './call-plan.js';
import { replaySource } from './chat-stream.js';
import type { CallOptions, ChatAnswer } from './chat-types.js';
import type { Fetcher, Served } from './fetch-answer.js';
import type { Flight } from './flight.js';
import { asNonStream } from './prepare-request.js';

export interface AnswerSourcesOptions {
  fetcher: Fetcher;
  /** Absent: nothing is counted or settled (no meter and no token limits). */
  accounting: Accounting | undefined;
  /** With false, stream requests are served from one non-stream upstream call, replayed as SSE chunks. */
  streamingEnabled: boolean;
}

/** A stream opened for one caller, and who serves it. */
export interface OpenedStream {
  source: StreamSource;
  served: Served;
}

export interface AnswerSources {
  /** The JSON answer of a planned call. */
  json(
    source: AnswerSource,
    call: CallOptions,
    planned: { facts: PlanFacts; model: string },
  ): Promise<ChatAnswer>;
  /** The stream of a planned call; resolves once its first event is in hand. */
  stream(
    source: AnswerSource,
    call: CallOptions,
    wanted: { includeUsage: boolean; model: string },
  ): Promise<OpenedStream>;
}

/** A stream whose `onEnd` runs when it ends complete (not when it fails or its consumer leaves). */
function onComplete(source: StreamSource, onEnd: () => void): StreamSource {
  return {
    start: (sink: StreamSink) =>
      source.start({
        event: (event) => sink.event(event),
        end: () => {
          onEnd();
          sink.end();
        },
        fail: (error) => sink.fail(error),
      }),
    pause: () => source.pause(),
    resume: () => source.resume(),
    close: () => source.close(),
  };
}

export function createAnswerSources({
  fetcher,
  accounting,
  streamingEnabled,
}: AnswerSourcesOptions): AnswerSources {
  /** A fresh call's own answer (not shared): counted, or its reservation given back when it fails. */
  async function directCompletion(
    source: Extract<AnswerSource, { kind: 'direct' }>,
    call: CallOptions,
    body: UpstreamBody,
  ) {
    const { admitted, route } = source;
    try {
      const result = await fetcher.completion(body, {
        admitted,
        route,
        signal: call.signal,
        requestId: call.requestId,
      });
      accounting?.answered({ call, admitted, body: source.body }, result);
      return result;
    } catch (error) {
      accounting?.failed(admitted);
      throw error;
    }
  }

  /** A shared answer this call did not lead: counted as saved (the leader's call is counted once). */
  async function followed(
    source: Extract<AnswerSource, { kind: 'flight' }>,
    call: CallOptions,
    model: string,
  ) {
    const answer = await source.flight.completionFor(call.signal);
    if (!source.leader)
      accounting?.saved(call, source.flight.served?.model ?? model, answer.completion.usage);
    return answer;
  }

  async function answerJson(
    source: AnswerSource,
    call: CallOptions,
    { facts, model }: { facts: PlanFacts; model: string },
  ): Promise<ChatAnswer> {
    switch (source.kind) {
      case 'hit':
        accounting?.saved(call, model, storedUsage(source.text));
        return cachedAnswer(source.text, { ...facts, upstream: undefined, attempts: 0 });
      case 'flight': {
        const answer = await followed(source, call, model);
        return freshAnswer(answer, { ...facts, ...servedBy(source) });
      }
      case 'direct': {
        const { answer, served } = await directCompletion(source, call, source.body);
        return freshAnswer(answer, { ...facts, ...served });
      }
      default:
        return unreachable(source);
    }
  }

  /** A fresh stream of this call's own; with accounting, usage is always asked for (and dropped if not wanted). */
  async function directStream(
    source: Extract<AnswerSource, { kind: 'direct' }>,
    call: CallOptions,
    includeUsage: boolean,
  ): Promise<{ source: StreamSource; served: Served }> {
    const { admitted, body, route } = source;
    const { signal, requestId } = call;
    if (!accounting) return fetcher.stream({ ...body, stream: true }, { admitted, route, signal, requestId });
    const asked = {
      ...body,
      stream: true,
      stream_options: { ...(body.stream_options as object | undefined), include_usage: true },
    };
    let opened: { source: StreamSource; served: Served };
    try {
      opened = await fetcher.stream(asked, { admitted, route, signal, requestId });
    } catch (error) {
      accounting.failed(admitted);
      throw error;
    }
    const { served } = opened;
    return {
      source: accounting.stream(opened.source, { call, admitted, body, served, includeUsage }),
      served,
    };
  }

  async function openStream(
    source: AnswerSource,
    call: CallOptions,
    { includeUsage, model }: { includeUsage: boolean; model: string },
  ): Promise<{ source: StreamSource; served: Served }> {
    const { signal } = call;
    switch (source.kind) {
      case 'hit': {
        accounting?.saved(call, model, storedUsage(source.text));
        const chunks = completionToChunks(cachedCompletion(source.text), { includeUsage });
        return { source: replaySource(chunks), served: { upstream: undefined, attempts: 0 } };
      }
      case 'direct': {
        if (streamingEnabled) return directStream(source, call, includeUsage);
        const { answer, served } = await directCompletion(source, call, asNonStream(source.body));
        return {
          source: replaySource(completionToChunks(withUsageFlag(answer.completion, false), { includeUsage })),
          served,
        };
      }
      case 'flight': {
        const { flight } = source;
        if (flight.kind === 'json') {
          const completion = withUsageFlag((await followed(source, call, model)).completion, false);
          return {
            source: replaySource(completionToChunks(completion, { includeUsage })),
            served: servedBy(source),
          };
        }
        const subscription = flight.subscribe(includeUsage);
        try {
          await flight.openedFor(signal);
        } catch (error) {
          subscription.close();
          throw error;
        }
        const counted =
          accounting && !source.leader
            ? onComplete(subscription, () => {
                void flight.done.then((answer) => {
                  if (answer) accounting.saved(call, flight.served?.model ?? model, answer.completion.usage);
                });
              })
            : subscription;
        return { source: counted, served: servedBy(source) };
      }
      default:
        return unreachable(source);
    }
  }

  return { json: answerJson, stream: openStream };
}

/** A shared call's upstream; only its leader made the calls. */
function servedBy(source: { flight: Flight; leader: boolean }): Served {
  const served = source.flight.served;
  return { upstream: served?.upstream, attempts: source.leader ? (served?.attempts ?? 0) : 0 };
}

function unreachable(value: never): never {
  throw new Error(`Unknown answer source: ${JSON.stringify(value)}`);
}
