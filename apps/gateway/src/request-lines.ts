// One log line per REST chat request: the engine's facts (cache, upstream) written on the request line.

/** What the engine reported for a request, carried on its request line instead of lines of its own. */
export interface RequestLineFacts {
  cache?: 'HIT' | 'MISS' | undefined;
  upstream?: string | undefined;
  attempts?: number | undefined;
  llm_latency_ms?: number | undefined;
}

/**
 * Requests whose engine facts wait for their request line. Only REST chat requests are opened: a tRPC
 * batch carries several calls in one HTTP request, so its calls keep their own lines. A fact for a
 * request that is not open (tRPC, or a shared call that outlived its client) is not taken, and the
 * caller logs it on a line of its own.
 */
export interface RequestLines {
  open(requestId: string): void;
  /** Adds facts to an open request's line; false when the request has none. */
  note(requestId: string | undefined, facts: RequestLineFacts): boolean;
  /** The facts gathered for the request, which is closed (undefined when it was not open). */
  take(requestId: string): RequestLineFacts | undefined;
}

export function createRequestLines(): RequestLines {
  const open = new Map<string, RequestLineFacts>();
  return {
    open: (requestId) => {
      open.set(requestId, {});
    },
    note(requestId, facts) {
      const line = requestId === undefined ? undefined : open.get(requestId);
      if (line === undefined) return false;
      Object.assign(line, facts);
      return true;
    },
    take(requestId) {
      const line = open.get(requestId);
      if (line !== undefined) open.delete(requestId);
      return line;
    },
  };
}

/**
 * The request line's message: the spec's phrases, greppable as before ("Cache HIT" / "Cache MISS",
 * "LLM completion success"), now on one line per request.
 */
export function requestLineMessage(facts: RequestLineFacts | undefined): string {
  if (facts === undefined || facts.cache === undefined) {
    return facts?.llm_latency_ms === undefined
      ? 'request completed'
      : 'request completed: LLM completion success';
  }
  return facts.llm_latency_ms === undefined
    ? `request completed: Cache ${facts.cache}`
    : `request completed: Cache ${facts.cache}, LLM completion success`;
}
