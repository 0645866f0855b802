// Inbound API keys: `Authorization: Bearer <key>` checked in constant time; callers are known by a key id and name.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@llm-gateway/contracts';
import { ANONYMOUS_CALLER, type KeyPolicy } from '@llm-gateway/core';
import type { ConfiguredKey } from '../keys-file.js';

/** Who called: a stable id derived from the key, and its settings (its name for usage); never the key itself. */
export interface ClientIdentity {
  keyId: string;
  caller: KeyPolicy;
}

export interface ApiKeyVerifier {
  /** False when no keys are configured: every caller is let in as `anonymous`. */
  readonly enabled: boolean;
  /** The caller's identity, or throws `invalid_api_key` (401). */
  verify(authorization: string | string[] | undefined): ClientIdentity;
}

const ANONYMOUS: ClientIdentity = { keyId: 'anonymous', caller: ANONYMOUS_CALLER };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** 12 hex digits of the key's SHA-256: enough to tell keys apart, far too little to recover one. */
export function keyIdOf(key: string): string {
  return keyIdOfDigest(digest(key).toString('hex'));
}

const keyIdOfDigest = (sha256Hex: string): string => `key_${sha256Hex.slice(0, 12)}`;

function unauthorized(message: string): GatewayError {
  return new GatewayError('invalid_api_key', message, { headers: { 'www-authenticate': 'Bearer' } });
}

/** A key of GATEWAY_API_KEYS: no settings, its key id as its name. */
function plainKey(key: string): { digest: Buffer; identity: ClientIdentity } {
  const keyId = keyIdOf(key);
  return { digest: digest(key), identity: { keyId, caller: { name: keyId, admin: false } } };
}

/**
 * Keys are compared as SHA-256 digests with timingSafeEqual, against every configured key without an
 * early exit, so neither the position of a mismatch nor which key matched shows in the timing. The
 * config file's keys come as digests already (`configured`); a plain key that is also one of them
 * gets the file's settings.
 */
export function createApiKeyVerifier(
  keys: readonly string[],
  configured: readonly ConfiguredKey[] = [],
): ApiKeyVerifier {
  const fromFile = configured.map(({ sha256, policy }) => ({
    digest: Buffer.from(sha256, 'hex'),
    identity: { keyId: keyIdOfDigest(sha256), caller: policy },
  }));
  const inFile = new Set(configured.map(({ sha256 }) => sha256));
  const plain = keys.filter((key) => !inFile.has(digest(key).toString('hex'))).map(plainKey);
  const known = [...fromFile, ...plain];
  if (known.length === 0) return { enabled: false, verify: () => ANONYMOUS };
  return {
    enabled: true,
    verify: (authorization) => {
      const header = Array.isArray(authorization) ? authorization[0] : authorization;
      const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      const presented = match?.[1];
      if (presented === undefined) {
        throw unauthorized(
          "Missing API key: send it as 'Authorization: Bearer <key>'. Keys are issued by the gateway's operator.",
        );
      }
      const presentedDigest = digest(presented);
      let identity: ClientIdentity | undefined;
      for (const candidate of known) {
        if (timingSafeEqual(presentedDigest, candidate.digest)) identity = candidate.identity;
      }
      if (identity === undefined) throw unauthorized('Incorrect API key provided.');
      return identity;
    },
  };
}
