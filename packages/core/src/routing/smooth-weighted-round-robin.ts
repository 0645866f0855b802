// Smooth weighted round-robin (as nginx does): exact shares over every window of sum-of-weights picks.

/**
 * One balancer per priority level of a route, per instance. Each pick adds every candidate's weight to
 * its running score, takes the highest and subtracts the total from it: with weights 3 and 1 the order
 * is a a b a, a a b a, … — never four of one in a row. Candidates that cannot take a call right now
 * (breaker open) are left out of the pick, and the shares stay exact among the others.
 */
export class SmoothWeightedRoundRobin {
  readonly #weights: readonly number[];
  readonly #scores: number[];

  constructor(weights: readonly number[]) {
    this.#weights = weights;
    this.#scores = weights.map(() => 0);
  }

  /**
   * The indexes of the available candidates in the order to try them: the pick first, then the others
   * by their score (the next most due), so a fallback inside the level also follows the weights.
   */
  order(available: (index: number) => boolean): number[] {
    // A level of one (every route from the environment): nothing to balance.
    if (this.#weights.length === 1) return available(0) ? [0] : [];
    const candidates: number[] = [];
    let total = 0;
    for (let i = 0; i < this.#weights.length; i += 1) {
      if (!available(i)) continue;
      candidates.push(i);
      total += this.#weights[i] ?? 0;
      this.#scores[i] = (this.#scores[i] ?? 0) + (this.#weights[i] ?? 0);
    }
    if (candidates.length === 0) return [];
    candidates.sort((a, b) => (this.#scores[b] ?? 0) - (this.#scores[a] ?? 0) || a - b);
    const [picked] = candidates;
    if (picked !== undefined) this.#scores[picked] = (this.#scores[picked] ?? 0) - total;
    return candidates;
  }
}
