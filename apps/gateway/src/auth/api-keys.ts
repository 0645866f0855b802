// Inbound API keys: `Authorization: Bearer <key>` checked in constant time; callers are known by a key id.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@llm-gateway/contracts';

/** Who called: a stable id derived from the key (for per-key limits and logs), never the key itself. */
export interface ClientIdentity {
  keyId: string;
}

export interface ApiKeyVerifier {
  /** False when no keys are configured: every caller is let in as `anonymous`. */
  readonly enabled: boolean;
  /** The caller's identity, or throws `invalid_api_key` (401). */
  verify(authorization: string | string[] | undefined): ClientIdentity;
}

const ANONYMOUS: ClientIdentity = { keyId: 'anonymous' };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** 12 hex digits of the key's SHA-256: enough to tell keys apart, far too little to recover one. */
export function keyIdOf(key: string): string {
  return `key_${digest(key).toString('hex').slice(0, 12)}`;
}

function unauthorized(message: string): GatewayError {
  return new GatewayError('invalid_api_key', message, { headers: { 'www-authenticate': 'Bearer' } });
}

/**
 * Keys are compared as SHA-256 digests with timingSafeEqual, against every configured key without an
 * early exit, so neither the position of a mismatch nor which key matched shows in the timing.
 */
export function createApiKeyVerifier(keys: readonly string[]): ApiKeyVerifier {
  const known = keys.map((key) => ({ digest: digest(key), identity: { keyId: keyIdOf(key) } }));
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
