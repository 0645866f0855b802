// The relay floor: the thin proxy plus only the work issue #13 asks of any gateway on a streamed cache miss.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  ChunkAssembler,
  cacheKey,
  decodeChunkEvent,
  SseEvents,
  serializeAnswer,
} from '@llm-gateway/core/relay-parts';
import type { Dispatcher, Pool } from 'undici';
import { keepAliveLikeAGateway, upstreamPool } from './thin-proxy.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/** Entries kept before the store is emptied (a bench run's unique bodies never hit; only the cost matters). */
const STORE_LIMIT = 10_000;

/** How the floor treats each event as it passes. */
export type FloorMode =
  /** Parsed as it passes (the gateway's design: its decisions rest on the parsed chunk) and folded. */
  | 'parse-each'
  /** Only recorded and relayed; every event is parsed and folded at the end. A bound for a design whose
   * per-event decisions (the usage chunk, the finish, an error chunk) took no parse at all. */
  | 'parse-at-end';

/**
 * One upstream stream relayed the way the design asks, with the gateway's own parts: each SSE
 * event parsed (the decisions: finish, usage, an error chunk), recorded, folded, and written as
 * `data: <the upstream's text>\n\n`; at the end the fold is serialized and stored. Nothing else: no
 * framework, validation, auth, rate limit, retry, breaker, coalescing, log line or metric.
 */
class FloorRelay implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #store: Map<string, unknown>;
  readonly #key: string;
  readonly #atEnd: boolean;
  readonly #sse = new SseEvents();
  readonly #assembler = new ChunkAssembler();
  readonly #events: string[] = [];
  #done = false;
  #failed = false;

  constructor(
    res: ServerResponse,
    { store, key, mode }: { store: Map<string, unknown>; key: string; mode: FloorMode },
  ) {
    this.#res = res;
    this.#store = store;
    this.#key = key;
    this.#atEnd = mode === 'parse-at-end';
  }

  onConnect(): void {}

  onHeaders(status: number): boolean {
    this.#res.writeHead(status, SSE_HEADERS);
    return true;
  }

  onData(chunk: Buffer): boolean {
    for (const data of this.#sse.feed(chunk)) {
      if (this.#done || this.#failed) break;
      if (this.#atEnd) {
        if (data === '[DONE]') this.#done = true;
        else {
          this.#events.push(data);
          this.#res.write(`data: ${data}\n\n`);
        }
        continue;
      }
      let decoded: ReturnType<typeof decodeChunkEvent>;
      try {
        decoded = decodeChunkEvent(data);
      } catch (error) {
        this.#failed = true;
        this.#res.end(`data: ${JSON.stringify({ error: { message: String(error) } })}\n\n`);
        break;
      }
      if (decoded === 'done') {
        this.#done = true;
        break;
      }
      this.#events.push(data);
      this.#assembler.push(decoded);
      this.#res.write(`data: ${data}\n\n`);
    }
    return true;
  }

  onComplete(): void {
    if (this.#failed) return;
    this.#res.end('data: [DONE]\n\n');
    if (this.#atEnd && this.#done) {
      try {
        for (const data of this.#events) {
          const decoded = decodeChunkEvent(data);
          if (decoded !== 'done') this.#assembler.push(decoded);
        }
      } catch {
        // An error chunk or bad JSON: the stream is not an answer, and nothing is stored.
        return;
      }
    }
    const folded = this.#done ? this.#assembler.result() : undefined;
    if (folded === undefined) return;
    if (this.#store.size >= STORE_LIMIT) this.#store.clear();
    this.#store.set(this.#key, serializeAnswer(folded));
  }

  onError(error: Error): void {
    this.#res.destroy(error);
  }
}

function readBody(req: IncomingMessage, then: (text: string) => void): void {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => then(Buffer.concat(parts).toString('utf8')));
}

/**
 * Creates (does not start) the floor, for stream requests only (the bench's (d) runs). What the gateway
 * costs above it is the gateway's own (its framework, policies, logs and metrics); what it costs above
 * the thin proxy is what relaying and recording a stream costs at all.
 */
export function createRelayFloor(
  upstreamOrigin: string,
  mode: FloorMode = 'parse-each',
): { server: Server; pool: Pool } {
  const pool = upstreamPool(upstreamOrigin);
  const store = new Map<string, unknown>();
  const server = createServer({ noDelay: true }, (req, res) => {
    readBody(req, (text) => {
      let key: string;
      try {
        key = cacheKey(JSON.parse(text) as Record<string, unknown> & { model: string }, 'floor:');
      } catch {
        res.writeHead(400).end();
        return;
      }
      pool.dispatch(
        {
          path: req.url ?? '/',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
          body: text,
        },
        new FloorRelay(res, { store, key, mode }),
      );
    });
  });
  keepAliveLikeAGateway(server);
  return { server, pool };
}
