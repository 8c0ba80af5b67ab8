import { describe, expect, it } from 'vitest';
import { allocateDiscount, priceLines } from './pricing';
import { TRANSITIONS, canTransition } from './state-machine';

describe('allocateDiscount (largest remainder)', () => {
  it('splits in proportion and adds up exactly', () => {
    expect(allocateDiscount([100, 200, 300], 60)).toEqual([10, 20, 30]);
    const parts = allocateDiscount([333, 333, 334], 100);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(parts).toEqual([33, 33, 34]);
  });

  it('gives the leftover units to the largest remainders, ties to the earlier line', () => {
    expect(allocateDiscount([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(allocateDiscount([10, 10, 10], 10)).toEqual([4, 3, 3]);
    expect(allocateDiscount([199, 1], 100)).toEqual([100, 0]);
  });

  it('never gives a line more than its subtotal; no discount or no subtotal gives zeros', () => {
    expect(allocateDiscount([5, 7], 100)).toEqual([5, 7]);
    expect(allocateDiscount([5, 7], 0)).toEqual([0, 0]);
    expect(allocateDiscount([0, 0], 10)).toEqual([0, 0]);
  });

  it('stays exact for large amounts (no floating point)', () => {
    const subtotals = [4_503_599_627_370, 3, 7];
    const parts = allocateDiscount(subtotals, 1_000_000_007);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1_000_000_007);
    parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(subtotals[i]));
  });

  it('random cases always sum to the discount', () => {
    for (let n = 0; n < 200; n++) {
      const subs = Array.from({ length: 1 + (n % 7) }, (_, i) => ((n * 7919 + i * 104729) % 100_000) + 1);
      const total = subs.reduce((a, b) => a + b, 0);
      const d = (n * 31337) % (total + 1);
      const parts = allocateDiscount(subs, d);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(d);
      parts.forEach((p, i) => {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(subs[i]);
      });
    }
  });
});

describe('priceLines', () => {
  it('totals: items − discount + shipping; every line knows what was paid for it', () => {
    const { lines, totals } = priceLines(
      [
        { skuId: 'a', unitPrice: 1999, quantity: 3 },
        { skuId: 'b', unitPrice: 500, quantity: 1 },
      ],
      100,
      800,
    );
    expect(totals).toEqual({ itemsAmount: 6497, discountAmount: 100, shippingAmount: 800, payableAmount: 7197 });
    expect(lines.map((l) => l.subtotal)).toEqual([5997, 500]);
    expect(lines.reduce((a, l) => a + l.paid, 0)).toBe(6397);
  });
});

describe('state machine (docs/architecture.md)', () => {
  it('allows exactly the designed moves', () => {
    expect(canTransition('pending_payment', 'paid')).toBe(true);
    expect(canTransition('pending_payment', 'cancelled')).toBe(true);
    expect(canTransition('paid', 'shipped')).toBe(true);
    expect(canTransition('shipped', 'completed')).toBe(true);
    expect(canTransition('cancelled', 'cancelled')).toBe(false);
    expect(canTransition('paid', 'cancelled')).toBe(false);
    expect(canTransition('pending_payment', 'shipped')).toBe(false);
    expect(canTransition('paid', 'completed')).toBe(false);
    expect(TRANSITIONS.completed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
  });
});
