// Token-bucket arithmetic, exact to the token and the millisecond.
import { describe, expect, it } from 'vitest';
import {
  fullBucket,
  hasTokens,
  msUntilTokens,
  refill,
  refillPerMsFor,
  takeTokens,
  wholeTokens,
} from './token-bucket.js';

const perMs = refillPerMsFor(100);

describe('token bucket arithmetic', () => {
  it('refills 100/min at one token per 600 ms, capped at capacity', () => {
    const empty = { tokens: 0, updatedMs: 1000 };
    expect(hasTokens(refill(empty, 1599, { capacity: 100, refillPerMs: perMs }).tokens, 1)).toBe(false);
    expect(hasTokens(refill(empty, 1600, { capacity: 100, refillPerMs: perMs }).tokens, 1)).toBe(true);
    expect(wholeTokens(refill(empty, 1000 + 6000, { capacity: 100, refillPerMs: perMs }).tokens)).toBe(10);
    expect(refill(empty, 1000 + 60_000, { capacity: 100, refillPerMs: perMs }).tokens).toBe(100);
    expect(refill(empty, 1000 + 600_000, { capacity: 100, refillPerMs: perMs })).toEqual({
      tokens: 100,
      updatedMs: 601_000,
    });
  });

  it('adds nothing when the clock steps backwards', () => {
    expect(refill({ tokens: 5, updatedMs: 1000 }, 400, { capacity: 100, refillPerMs: perMs })).toEqual({
      tokens: 5,
      updatedMs: 400,
    });
  });

  it('takes a token only when a whole one is there', () => {
    const full = fullBucket(2, 0);
    const first = takeTokens(full, 1);
    const second = takeTokens(first.state, 1);
    const third = takeTokens(second.state, 1);
    expect([first.allowed, second.allowed, third.allowed]).toEqual([true, true, false]);
    expect(third.state.tokens).toBe(0);
    expect(takeTokens({ tokens: 0.99, updatedMs: 0 }, 1).allowed).toBe(false);
  });

  it('absorbs floating-point error instead of losing a token or a millisecond', () => {
    // Ten 60 ms refills at 100/min add up to 0.9999999999999999 in floating point: still one whole token.
    let state = { tokens: 0, updatedMs: 0 };
    for (let step = 1; step <= 10; step += 1)
      state = refill(state, step * 60, { capacity: 100, refillPerMs: perMs });
    expect(state.tokens).toBeLessThan(1);
    expect(wholeTokens(state.tokens)).toBe(1);
    expect(takeTokens(state, 1)).toEqual({ allowed: true, state: { tokens: 0, updatedMs: 600 } });
    expect(msUntilTokens(state.tokens, 1, perMs)).toBe(0);
    expect(msUntilTokens(0, 1, perMs)).toBe(600);
    expect(msUntilTokens(0, 100, perMs)).toBe(60_000);
    expect(msUntilTokens(99, 100, perMs)).toBe(600);
    expect(msUntilTokens(0.5, 1, perMs)).toBe(300);
    expect(msUntilTokens(1, 1, perMs)).toBe(0);
    expect(msUntilTokens(100, 100, perMs)).toBe(0);
  });

  it('reports whole tokens, never negative', () => {
    expect(wholeTokens(2.7)).toBe(2);
    expect(wholeTokens(0.3)).toBe(0);
    expect(wholeTokens(-0.5)).toBe(0);
  });
});
