// The thin pass-through proxy: node:http in, undici stream() out, bytes piped both ways, nothing parsed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Writable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those undici sets itself or refuses. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'expect',
]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** The upstream pool both bench proxies use: keep-alive, no connection cap (like Node's global fetch dispatcher). */
export function upstreamPool(upstreamOrigin: string): Pool {
  return new Pool(upstreamOrigin, { pipelining: 1, keepAliveTimeout: 30_000 });
}

/** Server timeouts of a proxy in front of long streams: idle keep-alive 65 s, no request timeout. */
export function keepAliveLikeAGateway(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
}

/**
 * Creates (does not start) the proxy. It is the practical floor for any Node proxy: whatever the gateway
 * costs above it is the gateway's own work, not Node's HTTP stack.
 */
export function createThinProxy(upstreamOrigin: string): { server: Server; pool: Pool } {
  const pool = upstreamPool(upstreamOrigin);
  const server = createServer({ noDelay: true }, (req, res) => {
    const ac = new AbortController();
    // A client that leaves mid-stream must free the upstream connection too.
    res.once('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    pool.stream(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: forwardable(req.headers),
        body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
        signal: ac.signal,
        opaque: res,
      },
      ({ statusCode, headers, opaque }) => {
        const out = opaque as typeof res;
        // Headers leave with the first body bytes (one packet); later SSE pieces are written as they arrive.
        out.writeHead(statusCode, forwardable(headers));
        return out as Writable;
      },
      (error) => {
        if (error === null || ac.signal.aborted) return;
        if (res.headersSent) res.destroy(error);
        else {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { message: `thin-proxy: ${error.message}`, type: 'bad_gateway' } }),
          );
        }
      },
    );
  });
  keepAliveLikeAGateway(server);
  return { server, pool };
}
