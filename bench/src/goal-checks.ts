// Helpers every goal line uses: met or not (n/a when unmeasured), and the ⚠ flag for suspect measurements.
import { count } from './format.js';
import type { GoalResult } from './result-types.js';

/** "N errors, M non-2xx" over `rows`, or undefined when they had none. */
export const flagOf = (
  rows: ReadonlyArray<{ non2xx: number; errors: number } | undefined>,
): string | undefined => {
  const non2xx = rows.reduce((sum, row) => sum + (row?.non2xx ?? 0), 0);
  const errors = rows.reduce((sum, row) => sum + (row?.errors ?? 0), 0);
  return non2xx + errors > 0 ? `${count(errors)} errors, ${count(non2xx)} non-2xx` : undefined;
};

export const check = (value: number, ok: (v: number) => boolean): GoalResult['met'] =>
  Number.isFinite(value) ? (ok(value) ? 'yes' : 'no') : 'n/a';

export function withFlag(goal: GoalResult, flag: string | undefined): GoalResult {
  return flag === undefined ? goal : { ...goal, flag };
}

export const notRun = (scenario: string, goal: string): GoalResult => ({
  scenario,
  goal,
  measured: 'not run',
  met: 'n/a',
});
