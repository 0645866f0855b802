// startUpstreamSim: the node:http server, its routing and bookkeeping, and the UpstreamSim handle.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleChat } from './sim-chat.js';
import { handleControl } from './sim-control.js';
import { sendError, sendJson } from './sim-http.js';
import { ResponseLife } from './sim-lifetime.js';
import { SimState } from './sim-state.js';
import type { SimFault, UpstreamSim, UpstreamSimOptions } from './sim-types.js';

/** Idle keep-alive connections stay open this long (above common client pool timeouts, like real APIs). */
const KEEP_ALIVE_MS = 65_000;
/** Upper bound for receiving request headers; bodies and responses have no deadline (hangs are on purpose). */
const HEADERS_TIMEOUT_MS = 60_000;

/** Starts a simulator listening on `host:port` (default 127.0.0.1, any free port). */
export async function startUpstreamSim(options: UpstreamSimOptions = {}): Promise<UpstreamSim> {
  const state = new SimState(options);
  const server = createServer({ noDelay: true }, (req, res) => route(state, req, res));
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // 0 disables the per-request deadline, so a deliberately hung response lives until the client leaves.
  server.requestTimeout = 0;
  server.timeout = 0;
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = boundPort(server);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    stats: state.board.stats,
    requests: state.recorded,
    configure: (reply) => state.configure(reply),
    enqueue: (...faults: SimFault[]) => state.faults.enqueue(faults),
    enqueueRepeat: (fault, times) =>
      state.faults.enqueue(Array.from({ length: Math.max(0, times) }, () => fault)),
    setFaultAlways: (fault) => state.faults.setAlways(fault),
    waitFor: (predicate, timeoutMs) => state.board.waitFor(predicate, timeoutMs),
    reset: () => state.reset(),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Also ends idle keep-alive sockets and hung or stalled responses, which close() alone would wait for.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function route(state: SimState, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path.startsWith('/__sim/')) {
    handleControl(state, { req, res, path }).catch(() => fail(res));
    return;
  }

  const board = state.board;
  const stats = board.stats;
  stats.requests++;
  stats.active++;
  const life = new ResponseLife(res);
  res.once('close', () => {
    life.markClosed();
    stats.active--;
    if (!res.writableFinished && !life.destroyedByServer) stats.closedEarly++;
    board.changed();
  });
  board.changed();

  if (state.expectedAuth !== undefined && req.headers.authorization !== state.expectedAuth) {
    sendError(res, 401, { message: 'Incorrect API key provided.', code: 'invalid_api_key' });
    return;
  }
  if (req.method === 'POST' && path === '/v1/chat/completions') {
    handleChat(state, { req, path, life }).catch(() => fail(res));
  } else if (req.method === 'GET' && path === '/v1/models') {
    sendJson(res, { status: 200, body: modelList(state.models) });
  } else {
    sendError(res, 404, { message: `Invalid URL (${req.method ?? 'GET'} ${path})` });
  }
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('upstream-sim: server has no TCP address');
  return address.port;
}

function modelList(models: readonly string[]): unknown {
  const created = Math.floor(Date.now() / 1000);
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'upstream-sim' })),
  };
}

// A bug in a handler must not leave the client waiting: answer 500 if possible, otherwise drop the socket.
function fail(res: ServerResponse): void {
  if (res.headersSent) res.destroy();
  else sendError(res, 500);
}
