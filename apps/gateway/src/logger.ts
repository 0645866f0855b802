// The gateway's pino logger: JSON lines, authorization headers and keys redacted wherever they appear.
import { type DestinationStream, type Logger, pino } from 'pino';
import type { GatewayConfig } from './config.js';

export type GatewayLogger = Logger;

/** Paths pino blanks out, in case a header object or config ever reaches a log call. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'authorization',
];

export function createLogger(
  config: Pick<GatewayConfig, 'logLevel' | 'service'>,
  destination?: DestinationStream,
): GatewayLogger {
  const options = {
    level: config.logLevel,
    base: { service: config.service.name },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
