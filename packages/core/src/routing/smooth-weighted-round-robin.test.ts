// Tests for the smooth weighted round-robin: exact shares per window, smoothness, unavailable candidates.
import { describe, expect, it } from 'vitest';
import { SmoothWeightedRoundRobin } from './smooth-weighted-round-robin.js';

const picks = (balancer: SmoothWeightedRoundRobin, count: number, available = (_i: number) => true) =>
  Array.from({ length: count }, () => balancer.order(available)[0]);

describe('SmoothWeightedRoundRobin', () => {
  it('gives 3:1 in every window of four picks, never four of one in a row', () => {
    const order = picks(new SmoothWeightedRoundRobin([3, 1]), 400);
    for (let start = 0; start < 400; start += 4) {
      const window = order.slice(start, start + 4);
      expect(window.filter((i) => i === 0)).toHaveLength(3);
    }
    expect(order.slice(0, 8)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('interleaves 5:1:1 as nginx does', () => {
    expect(picks(new SmoothWeightedRoundRobin([5, 1, 1]), 7)).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it('lists the other candidates after the pick, by who is most due', () => {
    const balancer = new SmoothWeightedRoundRobin([3, 1]);
    expect(balancer.order(() => true)).toEqual([0, 1]);
    expect(balancer.order(() => true)).toEqual([0, 1]);
    expect(balancer.order(() => true)).toEqual([1, 0]);
  });

  it('leaves an unavailable candidate out and keeps the shares among the rest', () => {
    const balancer = new SmoothWeightedRoundRobin([2, 1, 1]);
    const order = picks(balancer, 200, (i) => i !== 0);
    expect(order.filter((i) => i === 1)).toHaveLength(100);
    expect(order.filter((i) => i === 2)).toHaveLength(100);
    expect(balancer.order(() => false)).toEqual([]);
  });
});
