// GatewayError: statuses from the one table, OpenAI's body shape, and the brand check.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';
import { GatewayError, internalError, isGatewayError } from './gateway-error.js';

describe('GatewayError', () => {
  it('takes status and type from the error table', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      const error = new GatewayError(code as keyof typeof ERROR_CODES, 'm');
      expect(error.status).toBe(entry.status);
      expect(error.toJSON()).toEqual({ error: { message: 'm', type: entry.type, param: null, code } });
    }
  });

  it('lets an upstream 4xx keep its own status', () => {
    expect(new GatewayError('upstream_client_error', 'm', { status: 422 }).status).toBe(422);
  });

  it('is recognised by its brand, not by instanceof', () => {
    expect(isGatewayError(new GatewayError('not_found', 'x'))).toBe(true);
    expect(isGatewayError(new Error('x'))).toBe(false);
    expect(isGatewayError({ code: 'not_found' })).toBe(false);
  });

  it('masks unexpected errors', () => {
    const masked = internalError(new Error('db password is hunter2'));
    expect(masked.status).toBe(500);
    expect(JSON.stringify(masked.toJSON())).not.toContain('hunter2');
  });
});
