// Model aliases (issue 14): what a request's model resolves to, /v1/models, unknown models, and the cache key.
import { caught, expectOpenAIShape, sseJson } from '@llm-gateway/test-support';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RoutedGateway,
  type RoutingFile,
  readAnswer,
  type StartRoutedGatewayOptions,
  sentModel,
  startRoutedGateway,
} from './support/start-routed-gateway.js';

const MESSAGES = [{ role: 'user', content: 'routing models' }];

/**
 * The default route starts on `secondary`, not on the first upstream declared, so a request that
 * names no model (or an unknown one passed through) shows which rule picked its upstream.
 */
const ALIASES: RoutingFile = {
  routes: {
    chat: {
      targets: [
        { upstream: 'primary', model: 'primary-model' },
        { upstream: 'secondary', model: 'secondary-model' },
      ],
    },
    'chat-twin': {
      targets: [
        { upstream: 'primary', model: 'primary-model' },
        { upstream: 'secondary', model: 'secondary-model' },
      ],
    },
    backup: {
      targets: [
        { upstream: 'secondary', model: 'backup-model' },
        { upstream: 'primary', model: 'primary-model' },
      ],
    },
    internal: { hidden: true, targets: [{ upstream: 'primary', model: 'internal-model' }] },
  },
  default_route: 'backup',
};
const VISIBLE = ['backup', 'chat', 'chat-twin'];

let gw: RoutedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function start(options: Partial<StartRoutedGatewayOptions> = {}) {
  gw = await startRoutedGateway({
    upstreams: { primary: { headers: { 'X-Title': 'routing-suite' } }, secondary: {} },
    file: ALIASES,
    env: { CIRCUIT_BREAKER_ENABLED: 'false', RETRY_MAX_ATTEMPTS: '1' },
    ...options,
  });
  return gw;
}

describe('an alias resolves to its targets', () => {
  it('the answer’s model is the model that answered, the upstream got its own name for it and its headers', async () => {
    const g = await start();
    const answer = await readAnswer(await g.post({ model: 'chat', messages: MESSAGES }));
    expect(answer).toMatchObject({ status: 200, upstream: 'primary', attempts: 1 });
    expect(answer.body.model).toBe('primary-model');
    expectOpenAIShape('CreateChatCompletionResponse', answer.body);
    expect(sentModel(g, 'primary')).toBe('primary-model');
    expect(g.sims.primary?.requests[0]?.headers['x-title']).toBe('routing-suite');
    expect(g.calls()).toEqual({ primary: 1, secondary: 0 });
  });

  it('a stream’s chunks carry the model that answered', async () => {
    const g = await start();
    const res = await g.post({ model: 'chat', messages: MESSAGES, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-upstream')).toBe('primary');
    expect(res.headers.get('x-gateway-attempts')).toBe('1');
    const models = new Set(sseJson(await res.text()).map((chunk) => chunk.model));
    expect(models).toEqual(new Set(['primary-model']));
  });

  it('a request naming no model takes default_route', async () => {
    const g = await start();
    const answer = await readAnswer(await g.post({ messages: MESSAGES }));
    expect(answer).toMatchObject({ status: 200, upstream: 'secondary', attempts: 1 });
    expect(answer.body.model).toBe('backup-model');
    expect(sentModel(g, 'secondary')).toBe('backup-model');
    expect(g.calls()).toEqual({ primary: 0, secondary: 1 });
  });

  it('a hidden alias is not listed but still answers', async () => {
    const g = await start();
    const answer = await readAnswer(await g.post({ model: 'internal', messages: MESSAGES }));
    expect(answer).toMatchObject({ status: 200, upstream: 'primary' });
    expect(answer.body.model).toBe('internal-model');
  });
});

describe('GET /v1/models', () => {
  it('lists exactly the aliases that are not hidden (openai SDK)', async () => {
    const g = await start();
    const ids: string[] = [];
    for await (const model of g.openai.models.list()) ids.push(model.id);
    expect([...ids].sort()).toEqual(VISIBLE);
  });
});

describe('a model that is no alias', () => {
  it('is refused with 404 model_not_found on param "model", and reaches no upstream', async () => {
    const g = await start();
    const res = await g.post({ model: 'no-such-model', messages: MESSAGES });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; param: string | null; message: string } };
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({
      code: 'model_not_found',
      param: 'model',
      type: 'invalid_request_error',
    });
    expect(body.error.message).toContain('no-such-model');

    const error = await caught(
      g.openai.chat.completions.create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
    expect(g.calls()).toEqual({ primary: 0, secondary: 0 });
  });

  it('with passthrough_unknown_models goes to the default route’s first upstream, named as sent', async () => {
    const g = await start({ file: { ...ALIASES, passthrough_unknown_models: true } });
    const answer = await readAnswer(await g.post({ model: 'vendor/unlisted-model', messages: MESSAGES }));
    expect(answer).toMatchObject({ status: 200, upstream: 'secondary', attempts: 1 });
    expect(answer.body.model).toBe('vendor/unlisted-model');
    expect(sentModel(g, 'secondary')).toBe('vendor/unlisted-model');
    expect(g.calls()).toEqual({ primary: 0, secondary: 1 });
  });
});

describe('the cache key is the alias', () => {
  it('a fallback answer is a HIT for the next identical request, even with the primary healthy again', async () => {
    const g = await start({
      env: { CACHE_ENABLED: 'true', CIRCUIT_BREAKER_ENABLED: 'false', RETRY_MAX_ATTEMPTS: '1' },
    });
    const request = { model: 'chat', messages: [{ role: 'user', content: 'cached fallback' }], seed: 14 };
    g.sims.primary?.setFaultAlways({ kind: 'status', status: 500 });
    const first = await g.post(request);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const stored = await readAnswer(first);
    expect(stored).toMatchObject({ status: 200, upstream: 'secondary', attempts: 2 });

    g.sims.primary?.setFaultAlways(undefined);
    const second = await g.post(request);
    expect(second.headers.get('x-cache')).toBe('HIT');
    const hit = await readAnswer(second);
    expect(hit.status).toBe(200);
    expect(hit.body.id).toBe(stored.body.id);
    expect(hit.body.model).toBe('secondary-model');
    expect(g.calls()).toEqual({ primary: 1, secondary: 1 });

    // Another alias over the same targets is another entry: the key holds the alias, not the target's model.
    const twin = await g.post({ ...request, model: 'chat-twin' });
    expect(twin.headers.get('x-cache')).toBe('MISS');
    expect(await readAnswer(twin)).toMatchObject({ status: 200, upstream: 'primary' });
    expect(g.calls()).toEqual({ primary: 2, secondary: 1 });
  });
});

describe('the file as JSON', () => {
  it('the same routes from a .json file route the same way', async () => {
    const g = await start({ format: 'json' });
    expect(g.configPath.endsWith('.json')).toBe(true);
    const { data, response } = await g.openai.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'json config' }] })
      .withResponse();
    expect(response.headers.get('x-gateway-upstream')).toBe('primary');
    expect(data.model).toBe('primary-model');
    const ids: string[] = [];
    for await (const model of g.openai.models.list()) ids.push(model.id);
    expect([...ids].sort()).toEqual(VISIBLE);
  });
});
