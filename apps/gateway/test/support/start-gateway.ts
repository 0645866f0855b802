// Starts the upstream simulator and a real gateway on loopback port 0, with an openai SDK client aimed at it.
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '@llm-gateway/upstream-sim';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { buildApp } from '../../src/app.js';
import { type GatewayConfig, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type GatewayServices } from '../../src/services.js';
import { createLogCapture, type LogCapture } from './log-capture.js';
import { postChat } from './post-chat.js';

/** The upstream key tests configure; it must never show up in a response or a log line. */
export const UPSTREAM_KEY = 'sk-upstream-test-4f1c9a7e2b';

export interface TestGateway {
  /** `http://127.0.0.1:<port>` */
  url: string;
  sim: UpstreamSim;
  app: FastifyInstance;
  config: GatewayConfig;
  logs: LogCapture;
  openai: OpenAI;
  /** POSTs a raw body to /v1/chat/completions. */
  post(body: string | object, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** The JSON body of the `index`-th chat request the simulator received. */
export function upstreamBody(sim: UpstreamSim, index = 0): Record<string, unknown> {
  const request = sim.requests[index];
  if (request === undefined) throw new Error(`the upstream received no request #${index}`);
  return request.body as Record<string, unknown>;
}

export interface StartGatewayOptions {
  env?: Record<string, string>;
  sim?: UpstreamSimOptions;
  /** Replace the services (to inject failures the simulator cannot produce). */
  services?: (defaults: GatewayServices) => GatewayServices;
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY, ...options.sim });
  const config = parseConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    PROXYAPI_API_KEY: UPSTREAM_KEY,
    OPENROUTER_BASE_URL: sim.baseUrl,
    ...options.env,
  });
  const logs = createLogCapture();
  const logger = createLogger(config, logs.stream);
  const defaults = createServices({ config, logger });
  const services = options.services ? options.services(defaults) : defaults;
  const app = await buildApp({ config, services, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  const openai = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: 'client-key-not-checked',
    maxRetries: 0,
    timeout: 10_000,
  });
  return {
    url,
    sim,
    app,
    config,
    logs,
    openai,
    post: (body, headers = {}) => postChat(url, body, headers),
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}
