// The UTC day of a time: formatted, and kept between calls until the clock leaves the day.
import { describe, expect, it } from 'vitest';
import { daysBetween, utcDay, utcDayMemo } from './usage-report.js';

describe('utcDayMemo', () => {
  it('gives the same day as utcDay across midnight, and when the clock goes back', () => {
    const dayOf = utcDayMemo();
    const midnight = Date.parse('2026-12-02T00:00:00Z');
    for (const at of [
      midnight - 1,
      midnight,
      midnight + 1,
      midnight + 86_399_999,
      midnight + 86_400_000,
      midnight - 1,
    ]) {
      expect(dayOf(at)).toBe(utcDay(at));
    }
    expect(dayOf(midnight - 1)).toBe('2026-12-01');
    expect(dayOf(midnight + 86_400_000)).toBe('2026-12-03');
  });
});

describe('daysBetween', () => {
  it('lists every day, both ends included', () => {
    expect(daysBetween('2026-11-30', '2026-12-02')).toEqual(['2026-11-30', '2026-12-01', '2026-12-02']);
  });
});
