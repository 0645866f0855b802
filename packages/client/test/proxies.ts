// Real-socket middlemen for the HTTP-layer tests: an HTTP proxy that refuses some requests, a TCP relay that can cut.
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';

export interface Closable {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function closer(server: Server, sockets: Set<Socket>) {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

export interface RefusingProxy extends Closable {
  /** Requests seen per path (`/trpc/health`, …), refused ones included. */
  seen: Map<string, number>;
}

/**
 * Forwards to `target`, except that a request for which `refuse` returns a status gets that status,
 * `Retry-After` (as given) and an empty JSON body instead, as a load balancer in front of a busy
 * gateway would.
 */
export async function startRefusingProxy(options: {
  target: string;
  refuse: (path: string, count: number) => { status: number; retryAfter: string } | undefined;
}): Promise<RefusingProxy> {
  const target = new URL(options.target);
  const seen = new Map<string, number>();
  const server = createHttpServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const count = (seen.get(path) ?? 0) + 1;
    seen.set(path, count);
    const refusal = options.refuse(path, count);
    if (refusal) {
      req.resume();
      res.writeHead(refusal.status, {
        'retry-after': refusal.retryAfter,
        'content-type': 'application/json',
      });
      res.end('{}');
      return;
    }
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, seen, close: closer(server, new Set()) };
}

export interface TcpRelay extends Closable {
  /** Connections accepted. */
  readonly connections: number;
}

/**
 * Relays bytes both ways to `targetPort`. `onConnection` gets the client's socket, to cut it when a
 * test decides (e.g. once the upstream has seen the request).
 */
export async function startTcpRelay(options: {
  targetPort: number;
  port?: number;
  onConnection?: (client: Socket) => void;
}): Promise<TcpRelay> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    connections += 1;
    const upstream = connect(options.targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
    client.on('error', end);
    upstream.on('error', end);
    options.onConnection?.(client);
  });
  const close = closer(server, sockets);
  const port = await listen(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    close,
  };
}

/** A port with nothing listening: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
