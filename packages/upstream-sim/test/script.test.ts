// Scripted answers: events streamed byte-exactly, string events verbatim, [DONE] control, pacing, JSON, early close.
import { describe, expect, it } from 'vitest';
import type { SimScriptFault } from '../src/index.js';
import { chatBody, eventCount, postChat, readBody, useSims } from './helpers/sim-fixture.js';

const startSim = useSims();

// Provider-shaped chunks the simulator would never produce itself, so a pass proves they went out verbatim.
const REASONING = {
  id: 'gen-1',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'deepseek/deepseek-r1',
  provider: 'DeepSeek',
  choices: [
    {
      index: 0,
      delta: { role: 'assistant', content: '', reasoning_content: 'Think', reasoning: 'Think' },
      finish_reason: null,
    },
  ],
};
const INTERLEAVED = {
  id: 'gen-1',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'deepseek/deepseek-r1',
  citations: ['https://example.com'],
  choices: [
    { index: 1, delta: { content: 'B', reasoning_details: [{ type: 'reasoning.text', text: 'x' }] } },
    { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q"' } }] } },
  ],
};
const FINISH = {
  id: 'gen-1',
  choices: [{ index: 0, delta: {}, finish_reason: 'error' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};

const data = (payload: string): string => `data: ${payload}\n\n`;

describe('script (stream)', () => {
  it('streams exactly the scripted events, then [DONE]', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'script', events: [REASONING, INTERLEAVED, FINISH] });
    const res = await postChat(sim, chatBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe(
      data(JSON.stringify(REASONING)) +
        data(JSON.stringify(INTERLEAVED)) +
        data(JSON.stringify(FINISH)) +
        data('[DONE]'),
    );
    expect(sim.stats).toMatchObject({ requests: 1, chatRequests: 1, streamRequests: 1, closedEarly: 0 });
    expect(sim.requests).toHaveLength(1);
  });

  it('sends string events as the data text exactly (malformed, pre-serialized, error chunks)', async () => {
    const sim = await startSim();
    const preSerialized = '{"id":"x",  "choices":[{"index":0,"delta":{"content":"é"}}]}';
    const errorChunk = '{"error":{"message":"boom","type":"server_error","param":null,"code":null}}';
    sim.enqueue({ kind: 'script', events: [preSerialized, '{not json', errorChunk], done: false });
    const text = await (await postChat(sim, chatBody({ stream: true }))).text();
    expect(text).toBe(data(preSerialized) + data('{not json') + data(errorChunk));
    expect(text).not.toContain('[DONE]');
  });

  it('sends only [DONE] for an empty script, and nothing at all with done: false', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'script', events: [] }, { kind: 'script', events: [], done: false });
    expect(await (await postChat(sim, chatBody({ stream: true }))).text()).toBe(data('[DONE]'));
    expect(await (await postChat(sim, chatBody({ stream: true }))).text()).toBe('');
  });

  it('spaces events by delayMs, in order, each flushed before the next', async () => {
    const sim = await startSim();
    const events = ['1', '2', '3'];
    sim.enqueue({ kind: 'script', events, delayMs: 40 });
    const res = await postChat(sim, chatBody({ stream: true }));
    const seen: number[] = [];
    const read = await readBody(res, (text) => {
      seen.push(eventCount(text));
      return false;
    });
    expect(read.done).toBe(true);
    expect(read.text).toBe(`${events.map(data).join('')}${data('[DONE]')}`);
    // Paced events are flushed one by one: the first read holds less than the whole stream.
    expect(seen[0]).toBeLessThan(4);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('stops writing when the client leaves mid-script and counts it in closedEarly', async () => {
    const sim = await startSim();
    sim.enqueue({ kind: 'script', events: ['1', '2', '3', '4'], delayMs: 50 });
    const controller = new AbortController();
    const res = await postChat(sim, chatBody({ stream: true }), { signal: controller.signal });
    const first = await readBody(res, (text) => eventCount(text) >= 1);
    expect(first.text).toBe(data('1'));
    controller.abort();
    await sim.waitFor((s) => s.closedEarly === 1 && s.active === 0, 1000);
  });

  it('is one queued answer: the next request is answered normally', async () => {
    const sim = await startSim({ reply: { content: 'normal', chunks: 1 } });
    sim.enqueue({ kind: 'script', events: ['x'] });
    await (await postChat(sim, chatBody({ stream: true }))).text();
    const text = await (await postChat(sim, chatBody({ stream: true }))).text();
    expect(text).toContain('"content":"normal"');
  });
});

describe('script (non-stream)', () => {
  it('answers the scripted json exactly', async () => {
    const sim = await startSim();
    const json = {
      id: 'gen-2',
      object: 'chat.completion',
      created: 1700000000,
      model: 'deepseek/deepseek-r1',
      provider: 'DeepSeek',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', reasoning_content: 'Think' },
          finish_reason: 'stop',
        },
      ],
    };
    sim.enqueue({ kind: 'script', events: [], json });
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(JSON.stringify(json));
    expect(sim.stats).toMatchObject({ chatRequests: 1, streamRequests: 0 });
  });

  it('sends a string json as the body text exactly', async () => {
    const sim = await startSim();
    const json = '{ "id": "gen-3",\n  "choices": [] }';
    sim.enqueue({ kind: 'script', events: [], json });
    expect(await (await postChat(sim, chatBody())).text()).toBe(json);
  });

  it('answers a 500 OpenAI error when the script has no json', async () => {
    const sim = await startSim();
    const script: SimScriptFault = { kind: 'script', events: [REASONING] };
    sim.enqueue(script);
    const res = await postChat(sim, chatBody());
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('server_error');
    expect(body.error.message).toMatch(/no `json`/);
  });
});
