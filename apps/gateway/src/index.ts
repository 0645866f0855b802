// Public surface of the gateway app (for tests, the benchmark and the tRPC client's type import).
export { type BuildAppOptions, buildApp } from './app.js';
export { ConfigError, type GatewayConfig, loadConfig, parseConfig } from './config.js';
export { createLogger, type GatewayLogger } from './logger.js';
export { createServices, type GatewayServices, type MetricsSnapshot } from './services.js';
