// The log lines the engine's events become: the spec's phrases ("Cache HIT", "LLM completion success", …).
import type {
  CacheStoreEvent,
  ChatEvent,
  CircuitBreakerEvent,
  RateLimiterEvent,
  RetryEvent,
  UsageEvent,
} from '@llm-gateway/core';
import type { GatewayLogger } from './logger.js';
import type { RequestLines } from './request-lines.js';

/** Every line names its request (`reqId`) when the event has one; the engine itself never logs. */
/** A Redis outage fails every usage write: one warning a minute says so. */
const USAGE_WARNING_EVERY_MS = 60_000;

/** `lines`: facts of a REST chat request go on its request line, not on lines of their own. */
export function createEngineLogs(logger: GatewayLogger, lines?: RequestLines) {
  let lastUsageWarning = Number.NEGATIVE_INFINITY;
  return {
    chat(event: ChatEvent): void {
      switch (event.type) {
        case 'cache-lookup':
          if (lines?.note(event.requestId, { cache: event.hit ? 'HIT' : 'MISS' })) return;
          logger.info({ reqId: event.requestId }, event.hit ? 'Cache HIT' : 'Cache MISS');
          return;
        case 'upstream-success': {
          const noted = lines?.note(event.requestId, {
            upstream: event.upstream,
            attempts: event.attempts,
            llm_latency_ms: Math.round(event.latencyMs),
          });
          if (noted) return;
          logger.info(
            {
              reqId: event.requestId,
              model: event.model,
              upstream: event.upstream,
              stream: event.stream,
              attempts: event.attempts,
              latency_ms: Math.round(event.latencyMs),
            },
            'LLM completion success',
          );
          return;
        }
        case 'route-failed':
          logger.warn(
            { reqId: event.requestId, model: event.alias, tried: event.tried },
            'All targets of the route failed',
          );
          return;
        default:
          // Failures are logged once, by the edge that answers them; the rest are metrics only.
          return;
      }
    },

    breaker(upstream: string, { from, to, snapshot, requestId: reqId }: CircuitBreakerEvent): void {
      if (to === 'open')
        logger.warn(
          { reqId, upstream, from, to, half_open_at: snapshot.half_open_at },
          'Circuit breaker opened',
        );
      else if (to === 'closed') logger.info({ reqId, upstream, from, to }, 'Circuit breaker closed');
      else logger.info({ reqId, upstream, from, to }, 'Circuit breaker half-open: letting one probe through');
    },

    /** A usage write that failed (Redis down): logged once a minute at most, not once per request. */
    usage(event: UsageEvent): void {
      if (event.type !== 'write-failed') return;
      const now = Date.now();
      if (now - lastUsageWarning < USAGE_WARNING_EVERY_MS) return;
      lastUsageWarning = now;
      logger.warn(
        { key: event.key, reason: event.error instanceof Error ? event.error.message : String(event.error) },
        'Usage could not be written (counts of this instance are kept for budgets; others are lost)',
      );
    },

    /** `scope: key` is the per-API-key limiter; Redis switches are reported by the shared one only. */
    rateLimiter(scope: 'gateway' | 'key', event: RateLimiterEvent): void {
      if (event.type === 'limited') {
        const retryAfterMs = Math.round(event.retryAfterMs);
        if (scope === 'key')
          logger.warn(
            { reqId: event.requestId, key_id: event.key, retry_after_ms: retryAfterMs },
            'Rate limit reached for an API key',
          );
        else logger.warn({ reqId: event.requestId, retry_after_ms: retryAfterMs }, 'Rate limit reached');
        return;
      }
      if (scope === 'key') return;
      switch (event.backend) {
        case 'memory':
          logger.warn(
            { reason: event.reason },
            'Rate limiter: Redis unreachable, using the in-memory bucket',
          );
          return;
        case 'open':
          logger.warn(
            { reason: event.reason },
            'Rate limiter: Redis unreachable, not limiting (policy open)',
          );
          return;
        case 'closed':
          logger.warn(
            { reason: event.reason },
            'Rate limiter: Redis unreachable, refusing requests (policy closed)',
          );
          return;
        case 'redis':
          logger.info('Rate limiter: Redis is back, using the shared bucket');
          return;
        default:
          unhandledBackend(event.backend);
      }
    },

    retry({ attempt, delayMs, error, requestId }: RetryEvent): void {
      logger.info(
        {
          reqId: requestId,
          attempt,
          delay_ms: Math.round(delayMs),
          code: (error as { code?: unknown }).code,
        },
        'Retrying upstream call',
      );
    },

    cacheStore(event: CacheStoreEvent): void {
      if (event.type === 'unavailable')
        logger.warn({ reason: event.error }, 'Cache: Redis unreachable, serving misses');
      else logger.info('Cache: Redis is back');
    },
  };
}

export type EngineLogs = ReturnType<typeof createEngineLogs>;

function unhandledBackend(_backend: never): void {}
