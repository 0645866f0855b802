// The Redis state on /metrics/prometheus: connected or not per topology, and what decides the rate limit.
import type { BucketBackend, RateLimiter, RedisTopologyKind } from '@llm-gateway/core';
import { Gauge, type Registry } from 'prom-client';

const LIMITER_BACKENDS: readonly BucketBackend[] = ['redis', 'memory', 'open', 'closed'];

export interface RedisGaugeSources {
  /** The Redis client (read for its status) and its topology. */
  redis: { connection: { readonly status: string }; topology: RedisTopologyKind };
  /** The shared limiter; absent when the limit is off. */
  rateLimiter?: Pick<RateLimiter, 'backend'> | undefined;
}

/** Registers `redis_up{topology}` and, with a limiter, `rate_limit_backend{backend}`, both read at scrape time. */
export function watchRedis(
  { registry, prefix }: { registry: Registry; prefix: string },
  { redis, rateLimiter }: RedisGaugeSources,
): void {
  new Gauge({
    name: `${prefix}redis_up`,
    help: 'Whether this instance is connected to Redis (1) or not (0); a Cluster stays up with one primary down.',
    labelNames: ['topology'] as const,
    registers: [registry],
    collect() {
      this.set({ topology: redis.topology }, redis.connection.status === 'ready' ? 1 : 0);
    },
  });
  if (rateLimiter === undefined) return;
  new Gauge({
    name: `${prefix}rate_limit_backend`,
    help: 'What decides the shared rate limit: 1 for the current backend (redis, or the RATE_LIMIT_REDIS_DOWN stand-in memory, open or closed), 0 for the others.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      const current = rateLimiter.backend;
      for (const backend of LIMITER_BACKENDS) this.set({ backend }, backend === current ? 1 : 0);
    },
  });
}
