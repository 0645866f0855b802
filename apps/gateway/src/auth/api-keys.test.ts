// Tests for the API key verifier: bearer parsing, wrong and missing keys, identities without the key.
import { isGatewayError } from '@llm-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { createApiKeyVerifier, keyIdOf } from './api-keys.js';

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('createApiKeyVerifier', () => {
  const verifier = createApiKeyVerifier(['alpha-key-0123456789', 'beta-key-9876543210']);

  it('knows each configured key by an id that does not contain the key', () => {
    const alpha = verifier.verify('Bearer alpha-key-0123456789');
    const beta = verifier.verify('bearer   beta-key-9876543210');
    expect(alpha.keyId).toBe(keyIdOf('alpha-key-0123456789'));
    expect(alpha.keyId).toMatch(/^key_[0-9a-f]{12}$/);
    expect(beta.keyId).not.toBe(alpha.keyId);
    expect(alpha.keyId).not.toContain('alpha');
  });

  it.each([
    ['missing', undefined, 'Missing API key'],
    ['empty', '', 'Missing API key'],
    ['not bearer', 'Basic YWxwaGE6a2V5', 'Missing API key'],
    ['wrong key', 'Bearer alpha-key-012345678', 'Incorrect API key'],
    ['a prefix of a key', 'Bearer alpha', 'Incorrect API key'],
    ['two tokens', 'Bearer alpha-key-0123456789 extra', 'Missing API key'],
  ])('refuses a %s header with 401 invalid_api_key', (_, header, message) => {
    const error = failure(() => verifier.verify(header));
    expect(isGatewayError(error)).toBe(true);
    if (!isGatewayError(error)) return;
    expect(error.code).toBe('invalid_api_key');
    expect(error.status).toBe(401);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('alpha-key');
    expect(error.headers).toEqual({ 'www-authenticate': 'Bearer' });
  });

  it('lets everyone in as anonymous when no keys are configured', () => {
    const open = createApiKeyVerifier([]);
    expect(open.enabled).toBe(false);
    expect(open.verify(undefined)).toEqual({
      keyId: 'anonymous',
      caller: { name: 'anonymous', admin: false },
    });
  });
});
