// Entry point: load config, start the embedded simulator in demo mode, build the app, listen, shut down cleanly.
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';
import { buildApp } from './app.js';
import { ConfigError, type GatewayConfig, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';

function readConfig(): GatewayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config);
  let sim: UpstreamSim | undefined;
  if (config.upstream.mode === 'demo') {
    sim = await startUpstreamSim({
      host: '127.0.0.1',
      port: 0,
      reply: { chunkBy: 'words', chunkDelayMs: 50 },
    });
    logger.warn(
      { upstream: sim.baseUrl },
      'DEMO MODE: PROXYAPI_API_KEY is not set, answers come from the embedded upstream simulator. Set PROXYAPI_API_KEY to use the real upstream.',
    );
  }
  const services = createServices({ config, logger, ...(sim ? { upstreamBaseUrl: sim.baseUrl } : {}) });
  const app = await buildApp({ config, services, logger });
  if (sim) app.addHook('onClose', async () => sim?.close());

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'Second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal, timeout_ms: config.shutdown.timeoutMs }, 'Shutting down: finishing open requests');
    app.gracefulClose(config.shutdown.timeoutMs).then(
      () => {
        logger.info('Shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen({ host: config.service.host, port: config.service.port });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `llm-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
