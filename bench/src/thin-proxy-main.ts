// The thin-proxy child process: `--upstream URL [--port 0]`; prints its URL, stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { createThinProxy } from './thin-proxy.js';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (values.upstream === undefined) throw new Error('thin-proxy: --upstream URL is required');

const { server, pool } = createThinProxy(new URL(values.upstream).origin);
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
