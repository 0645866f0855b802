// Comparisons within a repetition (targets run back to back), then the median across repetitions.
import { median } from './percentiles.js';
import type { Sampled } from './result-types.js';
import type { TargetId } from './stack.js';

/** Median over repetitions of `pick(sample)` for one target. */
export function medianOf<S extends Sampled>(samples: readonly S[], target: TargetId, pick: (s: S) => number) {
  return median(samples.filter((s) => s.target === target).map(pick));
}

/** What `medianPaired` compares: `pick`'s value for `target` against `base`'s, joined by `combine`. */
export interface PairedComparison<S extends Sampled> {
  target: TargetId;
  base: TargetId;
  pick: (s: S) => number;
  combine: (value: number, baseValue: number) => number;
}

/** Median over repetitions of `combine(target's value, base's value)` taken in the same repetition. */
export function medianPaired<S extends Sampled>(
  samples: readonly S[],
  { target, base, pick, combine }: PairedComparison<S>,
): number {
  const values: number[] = [];
  for (const sample of samples) {
    if (sample.target !== target) continue;
    const other = samples.find((s) => s.target === base && s.rep === sample.rep);
    if (other) values.push(combine(pick(sample), pick(other)));
  }
  return median(values);
}

export const ratio = (value: number, base: number): number => (base > 0 ? value / base : Number.NaN);
export const difference = (value: number, base: number): number => value - base;

/** The targets in a different order each repetition, so none always runs first (warm caches, CPU boost). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
