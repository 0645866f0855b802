// The gateway's pino logger: JSON lines, the current request's id, authorization headers and keys redacted.
import { type DestinationStream, type Logger, pino } from 'pino';
import type { GatewayConfig } from './config.js';
import { requestContext } from './http/request-context.js';

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
  let root: Logger | undefined;
  const options = {
    level: config.logLevel,
    base: { service: config.service.name },
    redact: { paths: REDACT, censor: '[redacted]' },
    // Lines written through the root logger while serving a request get its id; a request's own
    // (child) logger has it as a binding already, and an explicit reqId is kept.
    mixin: (mergeObject: object, _level: number, logger: Logger): object => {
      if (logger !== root || 'reqId' in mergeObject) return {};
      const context = requestContext.getStore();
      return context ? { reqId: context.reqId } : {};
    },
  };
  root = destination ? pino(options, destination) : pino(options);
  return root;
}
