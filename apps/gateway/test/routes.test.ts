// GET /health, /v1/models and /metrics in the spec's shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/start-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

describe('service routes', () => {
  it('GET /health answers the spec shape', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'healthy',
      service: 'llm-gateway',
      version: '1.0.0',
      upstream: 'real',
    });
  });

  it('GET /v1/models lists the upstream models through the openai SDK', async () => {
    const ids = [];
    for await (const model of gw.openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(['deepseek/deepseek-v3.2', 'sim/echo']);
  });

  it('GET /metrics has the spec fields', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      circuit_breaker: { state: expect.any(String), failure_count: 0, failure_threshold: 5 },
      rate_limiter: { rate: 100 },
      cache_enabled: expect.any(Boolean),
      streaming_enabled: true,
    });
  });
});

describe('an upstream without a model list', () => {
  let bare: TestGateway;
  beforeAll(async () => {
    bare = await startGateway({ env: { VITTE_LLM_MODEL: 'acme/default-model' } });
    // an upstream that is gone has no model list either
    await bare.sim.close();
  });
  afterAll(async () => bare.close());

  it('lists at least the default model', async () => {
    const res = await fetch(`${bare.url}/v1/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['acme/default-model']);
  });
});
