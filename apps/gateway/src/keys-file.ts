// The `keys` and `prices` of the GATEWAY_CONFIG file: checked across fields, and resolved (keys as SHA-256 digests).
import { createHash } from 'node:crypto';
import type { KeyPolicy, ModelPrice } from '@llm-gateway/core';
import type { FileKey } from './keys-schema.js';
import type { Problem } from './routing-problems.js';

/** An inbound key: its settings and its SHA-256 (hex); the key itself is never kept. */
export interface ConfiguredKey {
  readonly policy: KeyPolicy;
  readonly sha256: string;
}

/** Who may call and what it costs: the file's keys (plus none from env) and its price table. */
export interface AccessConfig {
  readonly keys: readonly ConfiguredKey[];
  /** USD per 1M tokens by the model that answered. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
}

export const NO_ACCESS_CONFIG: AccessConfig = { keys: [], prices: {} };

export type KeysEnv = Readonly<Record<string, string | undefined>>;

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

const recordOf = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The digest a raw `keys` entry stands for, when its key can be found. */
function digestOf(entry: Record<string, unknown>, env: KeysEnv): string | undefined {
  if (typeof entry.key_sha256 === 'string') return entry.key_sha256.toLowerCase();
  const value = typeof entry.key_env === 'string' ? env[entry.key_env]?.trim() : undefined;
  return value ? sha256Hex(value) : undefined;
}

/**
 * The rules across fields of `keys`: one of key_env / key_sha256, the variable set, names and keys
 * each once, `models` naming routes (when the file has routes and unknown models do not pass through).
 */
export function keysProblems(raw: unknown, env: KeysEnv, aliases: readonly string[] | undefined): Problem[] {
  const keys = recordOf(raw)?.keys;
  if (!Array.isArray(keys)) return [];
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  for (const [index, item] of keys.entries()) {
    const entry = recordOf(item);
    if (entry === undefined) continue;
    const field = ['keys', index];
    const hasEnv = entry.key_env !== undefined;
    if (hasEnv === (entry.key_sha256 !== undefined)) {
      problems.push({ field, message: 'needs exactly one of key_env and key_sha256' });
    } else if (hasEnv && typeof entry.key_env === 'string' && !env[entry.key_env]?.trim()) {
      problems.push({
        field: [...field, 'key_env'],
        message: `${entry.key_env} is not set in the environment`,
      });
    }
    if (typeof entry.name === 'string') {
      const first = names.get(entry.name);
      if (first !== undefined)
        problems.push({
          field: [...field, 'name'],
          message: `"${entry.name}" is already the name of keys[${first}]`,
        });
      else names.set(entry.name, index);
    }
    const digest = digestOf(entry, env);
    if (digest !== undefined) {
      const first = digests.get(digest);
      // Which key it is would be a hint at the key: say only that the two are the same.
      if (first !== undefined) problems.push({ field, message: `is the same key as keys[${first}]` });
      else digests.set(digest, index);
    }
    if (aliases !== undefined && Array.isArray(entry.models)) {
      for (const [at, model] of entry.models.entries()) {
        if (typeof model === 'string' && !aliases.includes(model)) {
          problems.push({
            field: [...field, 'models', at],
            message: `"${model}" is not a route (routes: ${aliases.join(', ')})`,
          });
        }
      }
    }
  }
  return problems;
}

function policyOf(key: FileKey): KeyPolicy {
  return {
    name: key.name,
    models: key.models,
    requestsPerMinute: key.requests_per_minute,
    tokensPerMinute: key.tokens_per_minute,
    budgetUsd: key.budget_usd,
    admin: key.admin,
  };
}

/** The checked sections as the gateway uses them. */
export function buildAccess(
  file: {
    keys?: FileKey[] | undefined;
    prices?:
      | Record<string, { prompt: number; completion: number; cached_prompt?: number | undefined }>
      | undefined;
  },
  env: KeysEnv,
): AccessConfig {
  const keys = (file.keys ?? []).map((key) => ({
    policy: policyOf(key),
    sha256: (key.key_sha256 ?? sha256Hex(env[key.key_env ?? '']?.trim() ?? '')).toLowerCase(),
  }));
  const prices: Record<string, ModelPrice> = Object.create(null);
  for (const [model, price] of Object.entries(file.prices ?? {})) {
    prices[model] = { prompt: price.prompt, completion: price.completion, cachedPrompt: price.cached_prompt };
  }
  return { keys, prices };
}
