// Reasoning providers' answers for the scripted simulator: DeepSeek's reasoning_content, OpenRouter's reasoning.
import { choice, chunk, completion, joined, type ProviderScript, usageChunk } from './script-chunks.js';

// 1. DeepSeek: reasoning_content pieces, then content pieces, each with the other field null, as deepseek-reasoner sends them.
const DS_HEAD = {
  id: 'ds-7f3a9c',
  created: 1767000001,
  model: 'deepseek-reasoner',
  system_fingerprint: 'fp_ds_r1_0528',
};
const DS_CHUNK = { ...DS_HEAD, usage: null };
const DS_REASONING = ['The user', ' says hello;', ' a short', ' greeting back', ' fits.'];
const DS_CONTENT = ['Hello', ' there', '! How can', ' I help?'];
const DS_USAGE = {
  prompt_tokens: 11,
  completion_tokens: 23,
  total_tokens: 34,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 14 },
  prompt_cache_hit_tokens: 0,
  prompt_cache_miss_tokens: 11,
};

export const DEEPSEEK: ProviderScript = {
  name: 'DeepSeek reasoning_content',
  request: { model: 'deepseek/deepseek-r1' },
  events: [
    chunk(DS_CHUNK, [choice({ role: 'assistant', content: null, reasoning_content: '' })]),
    ...DS_REASONING.map((piece) => chunk(DS_CHUNK, [choice({ content: null, reasoning_content: piece })])),
    ...DS_CONTENT.map((piece) => chunk(DS_CHUNK, [choice({ content: piece, reasoning_content: null })])),
    chunk(DS_CHUNK, [choice({ content: '', reasoning_content: null }, { finish_reason: 'stop' })]),
    usageChunk(DS_HEAD, DS_USAGE),
  ],
  json: completion(
    DS_HEAD,
    [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: joined(DS_CONTENT),
          reasoning_content: joined(DS_REASONING),
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    DS_USAGE,
  ),
};

// 2. OpenRouter: reasoning + reasoning_details, the upstream's name in `provider`, native_finish_reason per choice.
const OR_HEAD = {
  id: 'gen-1767000002-Qx81',
  provider: 'DeepSeek',
  model: 'deepseek/deepseek-r1',
  created: 1767000002,
};
const OR_REASONING = ['Greeting', ' detected;', ' answer', ' briefly.'];
const OR_CONTENT = ['Hi', ' — nice', ' to meet', ' you.'];
const reasoningText = (text: string) => ({ type: 'reasoning.text', text, format: 'unknown', index: 0 });
const OR_ENCRYPTED = { type: 'reasoning.encrypted', data: 'gAAAAABpX3Zl', format: 'unknown', index: 1 };
const OR_USAGE = {
  prompt_tokens: 14,
  completion_tokens: 31,
  total_tokens: 45,
  cost: 0.0000912,
  is_byok: false,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 19 },
};
const unfinished = { native_finish_reason: null };

export const OPENROUTER: ProviderScript = {
  name: 'OpenRouter reasoning + reasoning_details',
  request: { model: 'deepseek/deepseek-r1' },
  events: [
    ...OR_REASONING.map((piece) =>
      chunk(OR_HEAD, [
        choice(
          { role: 'assistant', content: '', reasoning: piece, reasoning_details: [reasoningText(piece)] },
          unfinished,
        ),
      ]),
    ),
    chunk(OR_HEAD, [
      choice(
        { role: 'assistant', content: '', reasoning: null, reasoning_details: [OR_ENCRYPTED] },
        unfinished,
      ),
    ]),
    ...OR_CONTENT.map((piece) =>
      chunk(OR_HEAD, [choice({ role: 'assistant', content: piece, reasoning: null }, unfinished)]),
    ),
    chunk(OR_HEAD, [
      choice({ role: 'assistant', content: '' }, { finish_reason: 'stop', native_finish_reason: 'stop' }),
    ]),
    usageChunk(OR_HEAD, OR_USAGE),
  ],
  json: completion(
    OR_HEAD,
    [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: joined(OR_CONTENT),
          refusal: null,
          reasoning: joined(OR_REASONING),
          reasoning_details: [...OR_REASONING.map(reasoningText), OR_ENCRYPTED],
        },
        logprobs: null,
        finish_reason: 'stop',
        native_finish_reason: 'stop',
      },
    ],
    OR_USAGE,
  ),
};
