// The thin pass-through proxy in its own process (thin-proxy-main.ts run through tsx's loader).
import { THIN_PROXY_MAIN } from './paths.js';
import { type Service, spawnService } from './spawn-service.js';

export interface ThinProxyProcess {
  service: Service;
  url: string;
}

export async function startThinProxy(
  upstreamUrl: string,
  logDir: string,
  nodeArgs: readonly string[] = [],
): Promise<ThinProxyProcess> {
  // The loader only transpiles at start-up; the running proxy is plain JavaScript like the gateway's dist.
  const tsxLoader = import.meta.resolve('tsx');
  const service = await spawnService({
    name: 'thin-proxy',
    command: process.execPath,
    args: [...nodeArgs, '--import', tsxLoader, THIN_PROXY_MAIN, '--upstream', upstreamUrl, '--port', '0'],
    env: { PATH: process.env.PATH ?? '' },
    ready: /thin-proxy listening on (http:\/\/127\.0\.0\.1:\d+)/,
    logDir,
  });
  return { service, url: service.match[1] ?? '' };
}
