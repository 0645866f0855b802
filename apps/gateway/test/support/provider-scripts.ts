// Provider-shaped answers for the scripted simulator, each as its stream chunks and the completion they fold to.
import type { SimScriptFault } from '@llm-gateway/upstream-sim';
import { DEEPSEEK, OPENROUTER } from './reasoning-scripts.js';
import {
  choice,
  chunk,
  completion,
  type Json,
  joined,
  type ProviderScript,
  usageChunk,
} from './script-chunks.js';

export { DEEPSEEK, OPENROUTER } from './reasoning-scripts.js';
export { type ProviderScript, scriptOf } from './script-chunks.js';

// 3. Two tool calls by index: id and name first, arguments in five pieces each, the calls' pieces interleaved.
const TC_HEAD = {
  id: 'chatcmpl-tc1',
  created: 1767000003,
  model: 'gpt-4o-mini-2024-07-18',
  service_tier: 'default',
  system_fingerprint: 'fp_tc_44',
};
const WEATHER = ['{"ci', 'ty": "P', 'aris", ', '"unit": ', '"celsius"}'];
const TIME = ['{"tz', '": "Eu', 'rope/', 'Par', 'is"}'];
const CALLS = [
  { id: 'call_weather_1', name: 'get_weather', pieces: WEATHER },
  { id: 'call_time_2', name: 'get_time', pieces: TIME },
];
const callStart = (index: number) => {
  const call = CALLS[index] ?? { id: '', name: '' };
  return { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
};
const argsPiece = (index: number, piece: number) => ({
  index,
  function: { arguments: CALLS[index]?.pieces[piece] ?? '' },
});
const toolsChunk = (...calls: Json[]) => chunk(TC_HEAD, [choice({ tool_calls: calls })]);
const TC_USAGE = { prompt_tokens: 82, completion_tokens: 40, total_tokens: 122 };

export const TOOL_CALLS: ProviderScript = {
  name: 'tool calls split over many chunks',
  request: {
    model: 'openai/gpt-4o-mini',
    tools: CALLS.map(({ name }) => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: {} } },
    })),
  },
  events: [
    chunk(TC_HEAD, [choice({ role: 'assistant', content: null, tool_calls: [callStart(0)] })]),
    toolsChunk(argsPiece(0, 0)),
    toolsChunk(argsPiece(0, 1)),
    toolsChunk(argsPiece(0, 2)),
    toolsChunk(callStart(1)),
    toolsChunk(argsPiece(1, 0)),
    toolsChunk(argsPiece(0, 3), argsPiece(1, 1)),
    toolsChunk(argsPiece(0, 4)),
    toolsChunk(argsPiece(1, 2)),
    toolsChunk(argsPiece(1, 3)),
    toolsChunk(argsPiece(1, 4)),
    chunk(TC_HEAD, [choice({}, { finish_reason: 'tool_calls' })]),
    usageChunk(TC_HEAD, TC_USAGE),
  ],
  json: completion(
    TC_HEAD,
    [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: CALLS.map(({ id, name, pieces }) => ({
            id,
            type: 'function',
            function: { name, arguments: joined(pieces) },
          })),
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    TC_USAGE,
  ),
};

// 4. n: 2, the two choices' chunks alternating, each with its own finish.
const N2_HEAD = {
  id: 'chatcmpl-n2',
  created: 1767000004,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_n2',
};
const N2_TEXTS = [
  ['Red', ' apples', ' fall.'],
  ['Blue', ' skies', ' stay', ' clear'],
];
const N2_FINISH = ['stop', 'length'];
const N2_USAGE = { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 };
const alternating = (): Json[] => {
  const chunks = [0, 1].map((index) =>
    chunk(N2_HEAD, [choice({ role: 'assistant', content: '' }, { index })]),
  );
  for (let piece = 0; piece < 4; piece += 1)
    N2_TEXTS.forEach((pieces, index) => {
      const content = pieces[piece];
      if (content !== undefined) chunks.push(chunk(N2_HEAD, [choice({ content }, { index })]));
    });
  N2_FINISH.forEach((finish_reason, index) => {
    chunks.push(chunk(N2_HEAD, [choice({}, { index, finish_reason })]));
  });
  return chunks;
};

export const TWO_CHOICES: ProviderScript = {
  name: 'n: 2 interleaved choices',
  request: { model: 'openai/gpt-4o-mini', n: 2 },
  events: [...alternating(), usageChunk(N2_HEAD, N2_USAGE)],
  json: completion(
    N2_HEAD,
    N2_TEXTS.map((pieces, index) => ({
      index,
      message: { role: 'assistant', content: joined(pieces), refusal: null },
      logprobs: null,
      finish_reason: N2_FINISH[index],
    })),
    N2_USAGE,
  ),
};

// 5. url_citation annotations on the delta; citations, search_results and system_fingerprint on every chunk.
const SOURCES = ['https://en.wikipedia.org/wiki/Paris', 'https://www.britannica.com/place/Paris'];
const WEB_HEAD = {
  id: 'web-5b1d',
  created: 1767000005,
  model: 'sonar-pro',
  system_fingerprint: 'fp_web_3',
  citations: SOURCES,
  search_results: SOURCES.map((url, i) => ({ title: `Paris source ${i + 1}`, url, date: '2025-11-30' })),
};
const WEB_CONTENT = ['Paris is', ' the capital', ' of France', ' [1][2].'];
const citation = (index: number) => ({
  type: 'url_citation',
  url_citation: { url: SOURCES[index], title: `Paris source ${index + 1}`, start_index: 0, end_index: 31 },
});
const WEB_USAGE = { prompt_tokens: 6, completion_tokens: 12, total_tokens: 18, search_context_size: 'low' };

export const ANNOTATIONS: ProviderScript = {
  name: 'annotations and extra top-level fields',
  request: { model: 'perplexity/sonar-pro' },
  events: [
    chunk(WEB_HEAD, [choice({ role: 'assistant', content: '' })]),
    chunk(WEB_HEAD, [choice({ content: WEB_CONTENT[0] })]),
    chunk(WEB_HEAD, [choice({ content: WEB_CONTENT[1] })]),
    chunk(WEB_HEAD, [choice({ content: WEB_CONTENT[2], annotations: [citation(0)] })]),
    chunk(WEB_HEAD, [choice({ content: WEB_CONTENT[3] })]),
    chunk(WEB_HEAD, [choice({ annotations: [citation(1)] })]),
    chunk(WEB_HEAD, [choice({}, { finish_reason: 'stop' })]),
    usageChunk(WEB_HEAD, WEB_USAGE),
  ],
  json: completion(
    WEB_HEAD,
    [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: joined(WEB_CONTENT),
          refusal: null,
          annotations: [citation(0), citation(1)],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    WEB_USAGE,
  ),
};

/** Cases 1–5: answers that complete, so each must survive the cache field for field. */
export const PROVIDER_SCRIPTS: readonly ProviderScript[] = [
  DEEPSEEK,
  OPENROUTER,
  TOOL_CALLS,
  TWO_CHOICES,
  ANNOTATIONS,
];

// 6. Content, then OpenRouter's mid-stream error chunk, and the end (no [DONE]).
const ERR_HEAD = {
  id: 'gen-err-6',
  provider: 'DeepSeek',
  model: 'deepseek/deepseek-r1',
  created: 1767000006,
};
export const ERROR_CONTENT = ['Partial', ' answer', ' before'];
export const UPSTREAM_ERROR = { message: 'Provider returned error', code: 502 };

export const ERROR_SCRIPT: SimScriptFault = {
  kind: 'script',
  events: [
    chunk(ERR_HEAD, [choice({ role: 'assistant', content: '' })]),
    ...ERROR_CONTENT.map((content) => chunk(ERR_HEAD, [choice({ content })])),
    { error: UPSTREAM_ERROR },
  ],
  done: false,
};
