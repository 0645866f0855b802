// The thin-proxy child process: `--upstream URL [--port 0] [--relay-floor]`; prints its URL, stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { createRelayFloor } from './relay-floor.js';
import { createThinProxy } from './thin-proxy.js';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    // The relay floor (relay-floor.ts) in place of the pass-through proxy.
    'relay-floor': { type: 'boolean', default: false },
  },
});
if (values.upstream === undefined) throw new Error('thin-proxy: --upstream URL is required');

const create = values['relay-floor'] ? createRelayFloor : createThinProxy;
const { server, pool } = create(new URL(values.upstream).origin);
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`thin-proxy listening on http://127.0.0.1:${port}\n`);
});

const stop = (): void => {
  server.closeAllConnections();
  server.close(() => {
    pool.close().finally(() => process.exit(0));
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
