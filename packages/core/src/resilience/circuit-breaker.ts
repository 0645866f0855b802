// Circuit breaker: stops calling an upstream after consecutive failures, then lets one probe test its recovery.
import { GatewayError } from '@llm-gateway/contracts';
import { type Clock, systemClock } from './clock.js';
import { classifyFailure } from './failure-classifier.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** The breaker's state as /health and metrics show it. */
export interface CircuitBreakerSnapshot {
  state: BreakerState;
  /** Consecutive failures so far (keeps counting while open; a success resets it). */
  failure_count: number;
  failure_threshold: number;
  /** ISO time the breaker last opened; null while closed. */
  opened_at: string | null;
  /** ISO time it lets (or let) a probe through; null while closed. */
  half_open_at: string | null;
}

/** Emitted once per transition (the gateway logs warn on open, info on close; the breaker never logs). */
export type CircuitBreakerEvent = {
  type: 'state-changed';
  from: BreakerState;
  to: BreakerState;
  /** The request whose call (or arrival) moved the breaker, when the caller named one. */
  requestId: string | undefined;
  snapshot: CircuitBreakerSnapshot;
};

/** The right to make one upstream call; records its outcome at most once (later calls are ignored). */
export interface BreakerPermit {
  /** The one call let through while half-open: its outcome closes or reopens the breaker. */
  readonly probe: boolean;
  success(): void;
  /**
   * The call failed with `error`: the breaker's own classifier decides whether that counts as a failure
   * of the upstream (then failure()) or says nothing about it (then release()).
   */
  fail(error: unknown): void;
  failure(): void;
  /** neither (client cancel, 4xx): frees a half-open probe slot without changing state */
  release(): void;
}

export interface CircuitBreaker {
  /**
   * Throws GatewayError('circuit_open', …, { retryAfterMs: ms until half-open (≥ 1000 rounding is done by
   * GatewayError) }) when open, or when half-open and the one probe is already out. `requestId` is
   * reported with any transition this permit causes.
   */
  acquire(requestId?: string): BreakerPermit;
  /**
   * What `acquire` would throw now, without taking anything (not even the half-open probe): for a caller
   * deciding whether to try this upstream at all. Undefined when a call would be let through.
   * `requestId` is reported with the transition to half-open this check may make.
   */
  refusal(requestId?: string): GatewayError | undefined;
  /** Convenience: acquire, run, record the outcome (a failure through permit.fail). */
  execute<T>(fn: () => Promise<T>): Promise<T>;
  snapshot(): CircuitBreakerSnapshot;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before it admits a probe. */
  openMs: number;
  clock?: Clock;
  /** Which failures count; defaults to classifyFailure. */
  classify?: (e: unknown) => { breakerFailure: boolean };
  /** Called synchronously after each transition, once the new state is in place; must not throw. */
  onEvent?: (e: CircuitBreakerEvent) => void;
}

/** Builds an in-memory circuit breaker; throws RangeError on options that cannot work. */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { failureThreshold, openMs } = options;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new RangeError(`failureThreshold must be an integer >= 1, got ${failureThreshold}`);
  }
  if (!Number.isFinite(openMs) || openMs < 0) {
    throw new RangeError(`openMs must be a finite number >= 0, got ${openMs}`);
  }
  const clock = options.clock ?? systemClock;
  const classify = options.classify ?? classifyFailure;

  let state: BreakerState = 'closed';
  let failureCount = 0;
  let openedAt: number | null = null;
  let probeOut = false;
  // Bumped on every transition: a permit only counts in the epoch it was issued in, so a slow call
  // from before the breaker opened can neither close it nor keep it open.
  let epoch = 0;

  function snapshotNow(): CircuitBreakerSnapshot {
    return {
      state,
      failure_count: failureCount,
      failure_threshold: failureThreshold,
      opened_at: openedAt === null ? null : new Date(openedAt).toISOString(),
      half_open_at: openedAt === null ? null : new Date(openedAt + openMs).toISOString(),
    };
  }

  function transition(to: BreakerState, requestId: string | undefined): void {
    const from = state;
    state = to;
    epoch += 1;
    probeOut = false;
    if (to === 'open') openedAt = clock.now();
    if (to === 'closed') {
      openedAt = null;
      failureCount = 0;
    }
    options.onEvent?.({ type: 'state-changed', from, to, requestId, snapshot: snapshotNow() });
  }

  // Half-open is entered lazily: no timer to leak or to keep the process alive.
  function refresh(requestId?: string): void {
    if (state === 'open' && openedAt !== null && clock.now() >= openedAt + openMs)
      transition('half_open', requestId);
  }

  function refuse(): GatewayError {
    const retryAfterMs = openedAt === null ? 0 : Math.max(0, openedAt + openMs - clock.now());
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const message =
      state === 'half_open'
        ? `The upstream is failing; the circuit breaker is testing it with one request. Retry in ${seconds} s.`
        : `The upstream is failing; the circuit breaker is open. Retry in ${seconds} s.`;
    return new GatewayError('circuit_open', message, { retryAfterMs });
  }

  function issue(probe: boolean, requestId: string | undefined): BreakerPermit {
    const issuedIn = epoch;
    let settled = false;
    // True when this permit may still record: first call, and the breaker has not moved on since it was issued.
    const claim = (): boolean => {
      if (settled) return false;
      settled = true;
      return issuedIn === epoch;
    };
    const permit: BreakerPermit = {
      probe,
      success() {
        if (!claim()) return;
        if (probe) transition('closed', requestId);
        else failureCount = 0;
      },
      fail(error) {
        if (classify(error).breakerFailure) permit.failure();
        else permit.release();
      },
      failure() {
        if (!claim()) return;
        failureCount += 1;
        if (probe || failureCount >= failureThreshold) transition('open', requestId);
      },
      release() {
        if (!claim()) return;
        if (probe) probeOut = false;
      },
    };
    return permit;
  }

  function acquire(requestId?: string): BreakerPermit {
    refresh(requestId);
    switch (state) {
      case 'closed':
        return issue(false, requestId);
      case 'open':
        throw refuse();
      case 'half_open':
        if (probeOut) throw refuse();
        probeOut = true;
        return issue(true, requestId);
      default:
        return unreachable(state);
    }
  }

  return {
    acquire,
    refusal(requestId) {
      refresh(requestId);
      if (state === 'open' || (state === 'half_open' && probeOut)) return refuse();
      return undefined;
    },
    async execute<T>(fn: () => Promise<T>): Promise<T> {
      const permit = acquire();
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        permit.fail(error);
        throw error;
      }
      permit.success();
      return result;
    },
    snapshot() {
      refresh();
      return snapshotNow();
    },
  };
}

function unreachable(value: never): never {
  throw new Error(`Unknown breaker state: ${String(value)}`);
}
