// GET /health/ready: 503 while Redis is stopped or frozen and while shutting down, 200 (degraded) with the breaker open.
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

/** Polls until readiness answers `status` (ioredis reconnects on its own schedule, capped at 2 s). */
async function until(gw: TestGateway, status: number): Promise<Awaited<ReturnType<typeof ready>>> {
  let last = await ready(gw);
  for (let i = 0; i < 50 && last.status !== status; i += 1) {
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
  afterEach(() => redis.resume());
  afterAll(async () => {
    await gw.close();
    await redis.stop();
  });

  it('is ready with every check passing', async () => {
    const { status, body } = await until(gw, 200);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      checks: {
        redis: { status: 'ok', latency_ms: expect.any(Number) },
        circuit_breaker: { status: 'closed' },
        shutdown: { status: 'ok' },
      },
    });
  });

  it('answers 503 while Redis is stopped, and 200 again once it is back', async () => {
    await redis.stop();
    const down = await ready(gw);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not_ready');
    expect(down.body.checks.redis.status).toBe('down');
    // liveness is not readiness: the process itself is fine
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);

    await redis.restart();
    const back = await until(gw, 200);
    expect(back.status).toBe(200);
    expect(back.body.checks.redis.status).toBe('ok');
  }, 15_000);

  it('answers 503 within the bound while Redis is frozen', async () => {
    await until(gw, 200);
    redis.pause();
    const frozen = await ready(gw);
    expect(frozen.status).toBe(503);
    expect(frozen.body.checks.redis).toMatchObject({ status: 'down', reason: 'timeout' });
    // bounded by REDIS_COMMAND_TIMEOUT_MS (200 ms), not by ioredis' defaults (forever when frozen)
    expect(frozen.ms).toBeLessThan(1000);
    redis.resume();
    expect((await until(gw, 200)).status).toBe(200);
  });
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
