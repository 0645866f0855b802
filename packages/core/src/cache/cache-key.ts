// The response-cache key: a hash of the canonical JSON of every request field that can change the answer.
import { hash } from 'node:crypto';

/**
 * The key format's version, part of every key. Bump it whenever the hashed material or its encoding
 * changes, so entries written by an older format are never read as answers to a newer one.
 */
export const CACHE_KEY_VERSION = 'v1';

/**
 * Fields left out of the hash because they change how or for whom an answer is delivered, not what it
 * says. Everything else is hashed, including fields this gateway does not know: an unknown parameter
 * may well change the answer, and a needless miss costs one upstream call while a wrong hit serves
 * someone else's answer.
 * - stream, stream_options: a cached completion is replayed as chunks to a stream request.
 * - user, safety_identifier: end-user ids for abuse monitoring; identical prompts share an answer.
 * - metadata, store: tags and retention of the provider's stored-completion log.
 * - prompt_cache_key: a routing hint for the provider's prompt cache.
 * `service_tier` stays in: the completion echoes it, so a hit for another tier would misreport it.
 */
const IGNORED_FIELDS: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'prompt_cache_key',
]);

/**
 * `${prefix}v1:${sha256 hex}` for a chat-completions request body whose `model` is already resolved.
 * Object key order and whitespace in the client's JSON do not change the key; array order does.
 * A field set to null and an absent field give different keys (a miss, never a wrong hit).
 */
export function cacheKey(body: Record<string, unknown> & { model: string }, prefix: string): string {
  const material: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (!IGNORED_FIELDS.has(field)) material[field] = value;
  }
  // The one-shot hash(): a Hash object per request cost more than hashing the few hundred bytes.
  const digest = hash('sha256', canonicalJson(material), 'hex');
  return `${prefix}${CACHE_KEY_VERSION}:${digest}`;
}

/**
 * JSON with object keys sorted at every depth and no whitespace; otherwise JSON.stringify's rules.
 * Built by appending to one string (no arrays and joins): this runs on every request.
 */
function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      // As in JSON.stringify, an array slot that JSON cannot hold becomes null.
      out += isOmitted(item) ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let out = '{';
    for (const field of Object.keys(record).sort()) {
      const member = record[field];
      // As in JSON.stringify, such a property is dropped: `{ a: undefined }` hashes like `{}`.
      if (isOmitted(member)) continue;
      if (out.length > 1) out += ',';
      out += `${JSON.stringify(field)}:${canonicalJson(member)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
