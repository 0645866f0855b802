// Tests for classifyFailure: the full table of gateway error codes, upstream statuses and non-gateway errors.
import { ERROR_CODES, GatewayError, type GatewayErrorCode } from '@llm-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureClassification } from './failure-classifier.js';

// A Record over every code, so a new code in the table fails to compile here until it is classified.
const EXPECTED: Record<GatewayErrorCode, FailureClassification> = {
  upstream_unavailable: { retryable: true, breakerFailure: true, fallback: true },
  upstream_timeout: { retryable: true, breakerFailure: true, fallback: true },
  upstream_rate_limited: { retryable: true, breakerFailure: true, fallback: true },
  upstream_overloaded: { retryable: true, breakerFailure: true, fallback: true },
  upstream_bad_response: { retryable: false, breakerFailure: true, fallback: true },
  upstream_client_error: { retryable: false, breakerFailure: false, fallback: false },
  client_closed_request: { retryable: false, breakerFailure: false, fallback: false },
  // Refused before any call: another upstream of the route may take it.
  circuit_open: { retryable: false, breakerFailure: false, fallback: true },
  rate_limit_exceeded: { retryable: false, breakerFailure: false, fallback: false },
  invalid_json: { retryable: false, breakerFailure: false, fallback: false },
  invalid_request: { retryable: false, breakerFailure: false, fallback: false },
  unsupported_media_type: { retryable: false, breakerFailure: false, fallback: false },
  body_too_large: { retryable: false, breakerFailure: false, fallback: false },
  not_found: { retryable: false, breakerFailure: false, fallback: false },
  model_not_found: { retryable: false, breakerFailure: false, fallback: false },
  stream_not_found: { retryable: false, breakerFailure: false, fallback: false },
  stream_expired: { retryable: false, breakerFailure: false, fallback: false },
  permission_denied: { retryable: false, breakerFailure: false, fallback: false },
  insufficient_quota: { retryable: false, breakerFailure: false, fallback: false },
  token_rate_limit_exceeded: { retryable: false, breakerFailure: false, fallback: false },
  rate_limiter_unavailable: { retryable: false, breakerFailure: false, fallback: false },
  invalid_api_key: { retryable: false, breakerFailure: false, fallback: false },
  overloaded: { retryable: false, breakerFailure: false, fallback: true },
  shutting_down: { retryable: false, breakerFailure: false, fallback: false },
  internal_error: { retryable: false, breakerFailure: false, fallback: false },
  // Without a status it is classified below; this row is the no-status case.
  upstream_error: { retryable: false, breakerFailure: true, fallback: true },
};

describe('classifyFailure', () => {
  it('has a row for every code in the error table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it.each(Object.entries(EXPECTED))('classifies %s', (code, expected) => {
    expect(classifyFailure(new GatewayError(code as GatewayErrorCode, 'x'))).toEqual(expected);
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [505, false],
    [599, false],
  ])('upstream_error with HTTP %i: retryable %s, always a breaker failure', (status, retryable) => {
    const error = new GatewayError('upstream_error', 'x', { upstreamStatus: status });
    expect(classifyFailure(error)).toEqual({ retryable, breakerFailure: true, fallback: true });
  });

  it('classifies the upstream 408 timeout and a 429 with Retry-After like their codes', () => {
    const timeout = new GatewayError('upstream_timeout', 'x', { upstreamStatus: 408 });
    const limited = new GatewayError('upstream_rate_limited', 'x', {
      upstreamStatus: 429,
      retryAfterMs: 2000,
    });
    expect(classifyFailure(timeout)).toEqual({ retryable: true, breakerFailure: true, fallback: true });
    expect(classifyFailure(limited)).toEqual({ retryable: true, breakerFailure: true, fallback: true });
  });

  it('classifies an upstream 4xx as neither, whatever its status', () => {
    const error = new GatewayError('upstream_client_error', 'x', { status: 404, upstreamStatus: 404 });
    expect(classifyFailure(error)).toEqual({ retryable: false, breakerFailure: false, fallback: false });
  });

  it.each([
    ['an Error', new Error('boom')],
    ['a TypeError', new TypeError('fetch failed')],
    ['a string', 'upstream_unavailable'],
    ['undefined', undefined],
    ['null', null],
    ['a look-alike object', { code: 'upstream_unavailable', upstreamStatus: 503 }],
  ])('classifies %s as neither', (_name, value) => {
    expect(classifyFailure(value)).toEqual({ retryable: false, breakerFailure: false, fallback: false });
  });
});
