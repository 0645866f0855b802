// A TCP proxy on loopback (real sockets) that a test can cut, to drop a client's connections mid-answer.
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: aim a client here instead of at the target. */
  readonly url: string;
  /** Destroys every open connection, both sides (a dropped network, not a clean close). */
  cut(): void;
  /** Where new connections go from now on, e.g. a second instance (`http://127.0.0.1:<port>`). */
  retarget(url: string): void;
  /** While on, every new connection is closed at once (a network that is down). */
  refuse(on: boolean): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Forwards every connection to `targetUrl`'s port on 127.0.0.1, byte for byte. */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  let targetPort = portOf(targetUrl);
  let accepted = 0;
  let refusing = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) {
      client.on('error', () => {});
      client.destroy();
      return;
    }
    accepted += 1;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const cut = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    cut,
    retarget: (url) => {
      targetPort = portOf(url);
    },
    refuse: (on) => {
      refusing = on;
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
