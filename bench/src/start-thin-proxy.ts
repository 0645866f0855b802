// The thin pass-through proxy, or the relay floor, in its own process (thin-proxy-main.ts run through tsx's loader).
import { THIN_PROXY_MAIN } from './paths.js';
import type { FloorMode } from './relay-floor.js';
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
  return startProxyProcess({ name: 'thin-proxy', upstreamUrl, logDir, args: nodeArgs });
}

/** The relay floor (relay-floor.ts): the thin proxy plus what relaying and recording a stream costs. */
export function startRelayFloor(
  upstreamUrl: string,
  logDir: string,
  { mode = 'parse-each', nodeArgs = [] }: { mode?: FloorMode; nodeArgs?: readonly string[] } = {},
): Promise<ThinProxyProcess> {
  const eachEvent = mode === 'parse-each';
  return startProxyProcess({
    name: eachEvent ? 'relay-floor' : 'relay-floor-parse-at-end',
    upstreamUrl,
    logDir,
    args: nodeArgs,
    mainArgs: eachEvent ? ['--relay-floor'] : ['--relay-floor', '--parse-at-end'],
  });
}

async function startProxyProcess(spec: {
  name: string;
  upstreamUrl: string;
  logDir: string;
  args: readonly string[];
  mainArgs?: readonly string[];
}): Promise<ThinProxyProcess> {
  const { upstreamUrl, logDir } = spec;
  // The loader only transpiles at start-up; the running proxy is plain JavaScript like the gateway's dist.
  const tsxLoader = import.meta.resolve('tsx');
  const service = await spawnService({
    name: spec.name,
    command: process.execPath,
    args: [
      ...spec.args,
      '--import',
      tsxLoader,
      THIN_PROXY_MAIN,
      '--upstream',
      upstreamUrl,
      '--port',
      '0',
      ...(spec.mainArgs ?? []),
    ],
    env: { PATH: process.env.PATH ?? '' },
    ready: /thin-proxy listening on (http:\/\/127\.0\.0\.1:\d+)/,
    logDir,
  });
  return { service, url: service.match[1] ?? '' };
}
