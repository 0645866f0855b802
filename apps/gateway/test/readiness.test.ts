// GET /health/ready: degraded (200) while Redis is stopped or frozen, 503 then under RATE_LIMIT_REDIS_DOWN=closed and while shutting down.
import { type RedisServerHandle, startRedisServer } from '@llm-gateway/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../src/health/readiness.js';
import type { GatewayServices } from '../src/services.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

async function ready(gw: TestGateway): Promise<{ status: number; body: ReadinessReport; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${gw.url}/health/ready`);
  const body = (await res.json()) as ReadinessReport;
  return { status: res.status, body, ms: performance.now() - started };
}

/** Polls until readiness reports `status` in its body (200 covers both ready and degraded). */
async function untilStatus(gw: TestGateway, status: ReadinessReport['status']) {
  let last = await ready(gw);
  for (let i = 0; i < 50 && last.body.status !== status; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await ready(gw);
  }
  return last;
}

describe('readiness with Redis', () => {
  let redis: RedisServerHandle;
  let gw: TestGateway;
  beforeAll(async () => {
    redis = await startRedisServer();
    gw = await startGateway({
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `test-ready-${process.pid}:`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
      },
    });
  });
  const chat = async () =>
    (await gw.post({ messages: [{ role: 'user', content: `ready ${Math.random()}` }] })).status;
  afterEach(() => redis.resume());
  afterAll(async () => {
    await gw.close();
    await redis.stop();
  });

  it('is ready with every check passing', async () => {
    const { status, body } = await untilStatus(gw, 'ready');
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      checks: {
        redis: { status: 'ok', latency_ms: expect.any(Number), topology: 'single' },
        rate_limiter: { backend: 'redis', redis_down_policy: 'local' },
        circuit_breaker: { status: 'closed' },
        shutdown: { status: 'ok' },
      },
    });
  });

  it('stays in the load balancer (200, degraded) while Redis is stopped, and is ready again once it is back', async () => {
    await redis.stop();
    // Every instance shares this Redis: under the default `local` policy each keeps serving on its share.
    expect(await chat()).toBe(200);
    const down = await ready(gw);
    expect(down.status).toBe(200);
    expect(down.body.status).toBe('degraded');
    expect(down.body.checks.redis).toMatchObject({ status: 'down', topology: 'single' });
    expect(down.body.checks.rate_limiter).toEqual({ backend: 'memory', redis_down_policy: 'local' });
    // liveness is not readiness: the process itself is fine
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);

    await redis.restart();
    const back = await untilStatus(gw, 'ready');
    expect(back.status).toBe(200);
    expect(back.body.checks.redis.status).toBe('ok');
    expect(back.body.checks.rate_limiter.backend).toBe('redis');
  }, 15_000);

  it('answers within the bound while Redis is frozen', async () => {
    await untilStatus(gw, 'ready');
    redis.pause();
    const frozen = await ready(gw);
    expect(frozen.body).toMatchObject({
      status: 'degraded',
      checks: { redis: { status: 'down', reason: 'timeout' } },
    });
    // bounded by REDIS_COMMAND_TIMEOUT_MS (200 ms), not by ioredis' defaults (forever when frozen)
    expect(frozen.ms).toBeLessThan(1000);
    redis.resume();
    expect((await untilStatus(gw, 'ready')).status).toBe(200);
  });
});

describe('readiness with Redis under RATE_LIMIT_REDIS_DOWN=closed', () => {
  let redis: RedisServerHandle;
  let gw: TestGateway;
  beforeAll(async () => {
    redis = await startRedisServer();
    gw = await startGateway({
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `test-ready-closed-${process.pid}:`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
        RATE_LIMIT_REDIS_DOWN: 'closed',
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await redis.stop();
  });

  it('answers 503 while Redis is stopped (the instance refuses every request), and 200 once it is back', async () => {
    await untilStatus(gw, 'ready');
    await redis.stop();
    const refused = await gw.post({ messages: [{ role: 'user', content: 'closed?' }] });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'rate_limiter_unavailable',
    );
    const down = await ready(gw);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'not_ready',
      checks: { redis: { status: 'down' }, rate_limiter: { backend: 'closed', redis_down_policy: 'closed' } },
    });
    await redis.restart();
    // No traffic reaches a not-ready instance: readiness itself must bring the limiter back to Redis.
    const back = await untilStatus(gw, 'ready');
    expect(back.status).toBe(200);
    expect(back.body.checks.rate_limiter.backend).toBe('redis');
  }, 15_000);
});

describe('readiness without Redis', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('does not check Redis when none is configured', async () => {
    gw = await startGateway();
    const { status, body } = await ready(gw);
    expect(status).toBe(200);
    expect(body.checks.redis).toEqual({ status: 'disabled' });
  });

  it('stays in the load balancer (200, degraded) while the breaker is open', async () => {
    gw = await startGateway({ env: { RETRY_MAX_ATTEMPTS: '1', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1' } });
    gw.sim.enqueue({ kind: 'status', status: 500 });
    expect((await gw.post({ messages: [{ role: 'user', content: 'ready?' }] })).status).toBe(502);
    const { status, body } = await ready(gw);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.circuit_breaker).toEqual({ status: 'open' });
  });

  it('reports a disabled breaker', async () => {
    gw = await startGateway({ env: { CIRCUIT_BREAKER_ENABLED: 'false' } });
    expect((await ready(gw)).body.checks.circuit_breaker).toEqual({ status: 'disabled' });
  });

  it('answers 503 once marked as shutting down', async () => {
    let services: GatewayServices | undefined;
    gw = await startGateway({
      services: (defaults) => {
        services = defaults;
        return defaults;
      },
    });
    expect((await ready(gw)).status).toBe(200);
    expect(services?.readiness.shuttingDown).toBe(false);
    services?.readiness.markShuttingDown();
    const { status, body } = await ready(gw);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'not_ready', checks: { shutdown: { status: 'shutting_down' } } });
    expect(services?.readiness.shuttingDown).toBe(true);
  });
});
