// The thin-proxy child process: `--upstream URL [--port 0] [--relay-floor [--parse-at-end]]`; prints its URL, stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { createRelayFloor } from './relay-floor.js';
import { createThinProxy } from './thin-proxy.js';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    // The relay floor (relay-floor.ts) in place of the pass-through proxy; with --parse-at-end, its bound.
    'relay-floor': { type: 'boolean', default: false },
    'parse-at-end': { type: 'boolean', default: false },
  },
});
if (values.upstream === undefined) throw new Error('thin-proxy: --upstream URL is required');

const origin = new URL(values.upstream).origin;
const { server, pool } = values['relay-floor']
  ? createRelayFloor(origin, values['parse-at-end'] ? 'parse-at-end' : 'parse-each')
  : createThinProxy(origin);
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
