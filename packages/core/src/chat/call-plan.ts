// Cache and coalescing: where a call's answer comes from — the cache, an identical call in flight, or its own.
import type { ResponseCache } from '../cache/response-cache.js';
import type { AnswerText } from '../completion/answer-text.js';
import type { Route } from '../routing/route-table.js';
import type { UpstreamBody } from '../upstream/upstream-client.js';
import type { Admission, Admitted } from './admission.js';
import type { ChatEventListener } from './chat-events.js';
import type { CallFacts, CallOptions } from './chat-types.js';
import type { Fetcher } from './fetch-answer.js';
import { Flight, FlightRegistry } from './flight.js';
import { asNonStream } from './prepare-request.js';

/** Where the answer comes from; `complete` and `stream` each shape it for their caller. */
export type AnswerSource =
  | { kind: 'hit'; text: AnswerText }
  /** Led by this call or joined: an identical call shared by everyone who asks while it runs. */
  | { kind: 'flight'; flight: Flight; leader: boolean }
  /** Not cached (no cache, or `no-store`): this call's own, admitted upstream call. */
  | { kind: 'direct'; body: UpstreamBody; admitted: Admitted; route: Route };

/** What the plan knows of the call; who answered it (`upstream`, `attempts`) is added with the answer. */
export type PlanFacts = Pick<CallFacts, 'rateLimit' | 'tokenLimit' | 'cache'>;

export interface CallPlan {
  source: AnswerSource;
  facts: PlanFacts;
}

export interface Planner {
  /**
   * Looks the request up and decides; admission runs here for the calls that go upstream (a refusal
   * rejects), so the plan's facts are final. `wants` is what the caller reads: it decides the kind of
   * flight a leader starts (a stream flight also serves JSON callers, and the other way round).
   */
  plan(
    request: { body: UpstreamBody; route: Route },
    call: CallOptions,
    wants: 'json' | 'stream',
  ): Promise<CallPlan>;
}

export interface PlannerOptions {
  /** Absent: no caching and no coalescing. */
  cache: ResponseCache | undefined;
  admission: Admission;
  fetcher: Fetcher;
  /** With false, a stream flight is fetched as one non-stream upstream call. */
  streamingEnabled: boolean;
  emit: ChatEventListener;
  /** Told of every flight a call leads, with its admission (usage accounting follows the flight to its end). */
  onLead?:
    | ((
        flight: Flight,
        leader: { call: CallOptions; admitted: Promise<Admitted>; body: UpstreamBody },
      ) => void)
    | undefined;
}

/** A call that starts the flight identical calls will join. */
interface Leader {
  key: string;
  body: UpstreamBody;
  wants: 'json' | 'stream';
  admitted: Promise<Admitted>;
  route: Route;
  call: CallOptions;
}

export function createPlanner({
  cache,
  admission,
  fetcher,
  streamingEnabled,
  emit,
  onLead,
}: PlannerOptions): Planner {
  const flights = new FlightRegistry();

  /**
   * Starts the one upstream call identical requests share (plan() stores it when it completes).
   * Admission was started before and is awaited inside, so the flight is registered in the same tick as
   * the lookup that found none: two identical requests can never both lead.
   */
  function lead({ key, body, wants, admitted, route, call }: Leader): Flight {
    const { requestId } = call;
    const flight =
      wants === 'stream' && streamingEnabled
        ? Flight.stream((signal) =>
            // Always ask for usage so the stored answer has it; each subscriber gets what it asked for.
            fetcher.stream(
              { ...body, stream: true, stream_options: { include_usage: true } },
              { admitted, route, signal, requestId },
            ),
          )
        : Flight.json((signal) =>
            fetcher.completion(asNonStream(body), { admitted, route, signal, requestId }),
          );
    flights.start(key, flight);
    return flight;
  }

  return {
    async plan({ body, route }, call, wants) {
      const mode = call.cache ?? 'default';
      if (!cache || mode === 'no-store') {
        const admitted = await admission.admit(call, route, body);
        return {
          source: { kind: 'direct', body, admitted, route },
          facts: { rateLimit: admitted.rateLimit, tokenLimit: admitted.tokens?.decision, cache: 'BYPASS' },
        };
      }
      const key = cache.key(body);
      const hit = mode === 'default' ? await cache.lookup(key) : undefined;
      emit({ type: 'cache-lookup', requestId: call.requestId, hit: hit !== undefined });
      // Answers that cost the upstream nothing spend no token, but still report the bucket's state.
      if (hit)
        return {
          source: { kind: 'hit', text: hit },
          facts: { rateLimit: await admission.peek(call), cache: 'HIT' },
        };
      const running = flights.get(key);
      if (running) {
        cache.countCoalesced();
        return {
          source: { kind: 'flight', flight: running, leader: false },
          facts: { rateLimit: await admission.peek(call), cache: 'MISS' },
        };
      }
      const admitted = admission.admit(call, route, body);
      const flight = lead({ key, body, wants, admitted, route, call });
      void flight.done.then((answer) => (answer ? cache.store(key, answer.text) : undefined));
      onLead?.(flight, { call, admitted, body });
      const { rateLimit, tokens } = await admitted;
      return {
        source: { kind: 'flight', flight, leader: true },
        facts: { rateLimit, tokenLimit: tokens?.decision, cache: 'MISS' },
      };
    },
  };
}
