import { describe, expect, it } from 'vitest';
import { RecalculateInput, type PriceRule } from '@zjmall/contracts';
import { compileRules, type PricingSku, type RuleSet } from './compile';
import { evaluateChunk, percentOf, roundPrice } from './evaluate';
import { MODE_TEN_FEN, MODE_X99, MODE_YUAN } from './program';

// ids only need to be distinct strings for the evaluator; the schema test below uses real uuids.
const CATS = [
  { id: 'home', path: ['home'] },
  { id: 'kitchen', path: ['home', 'kitchen'] },
  { id: 'knives', path: ['home', 'kitchen', 'knives'] },
  { id: 'phones', path: ['phones'] },
];

function sku(over: Partial<PricingSku> = {}): PricingSku {
  return {
    skuId: 's1',
    price: 10_000,
    costPrice: null,
    categoryId: 'phones',
    brandId: null,
    attributes: {},
    spec: {},
    ...over,
  };
}

function run(set: RuleSet | PriceRule[], skus: PricingSku[]): number[] {
  const { program, encode } = compileRules(Array.isArray(set) ? { rules: set } : set, CATS);
  const out = new Float64Array(skus.length);
  evaluateChunk(program, encode(skus), out);
  return [...out];
}

const pct = (value: number): PriceRule['adjust'] => ({ kind: 'percent', value });
const fixed = (amount: number): PriceRule['adjust'] => ({ kind: 'fixed', amount });

describe('price rules: scope', () => {
  it('a category rule covers the category and its descendants, not its ancestors or others', () => {
    const rules: PriceRule[] = [{ scope: { categoryIds: ['kitchen'] }, adjust: pct(-10) }];
    const prices = run(
      rules,
      ['home', 'kitchen', 'knives', 'phones', 'unknown'].map((categoryId) => sku({ categoryId })),
    );
    expect(prices).toEqual([10_000, 9_000, 9_000, 10_000, 10_000]);
  });

  it('brand and SKU-list scopes match only those brands and SKUs', () => {
    const rules: PriceRule[] = [
      { scope: { brandIds: ['acme'] }, adjust: fixed(-500) },
      { scope: { skuIds: ['s9'] }, adjust: fixed(1) },
    ];
    const prices = run(rules, [
      sku({ brandId: 'acme' }),
      sku({ brandId: 'other' }),
      sku(),
      sku({ skuId: 's9' }),
      sku({ skuId: 's9', brandId: 'acme' }),
    ]);
    expect(prices).toEqual([9_500, 10_000, 10_000, 10_001, 9_501]);
  });

  it('attribute conditions: spec or product attributes, any listed value, every condition (AND)', () => {
    const rules: PriceRule[] = [
      {
        scope: {
          attributes: [
            { key: 'color', values: ['red', 'blue'] },
            { key: '材质', values: ['棉'] },
          ],
        },
        adjust: pct(10),
      },
    ];
    const prices = run(rules, [
      sku({ spec: { color: 'red' }, attributes: { 材质: '棉' } }),
      sku({ spec: { color: 'blue', 材质: '棉' } }),
      sku({ spec: { color: 'green' }, attributes: { 材质: '棉' } }),
      sku({ spec: { color: 'red' } }),
      sku({ spec: { 材质: '麻' }, attributes: { 材质: '棉', color: 'red' } }), // the SKU's spec wins over the product's
    ]);
    expect(prices).toEqual([11_000, 11_000, 10_000, 10_000, 10_000]);
  });

  it('every scope field must match (category AND brand)', () => {
    const rules: PriceRule[] = [{ scope: { categoryIds: ['home'], brandIds: ['acme'] }, adjust: fixed(100) }];
    expect(
      run(rules, [
        sku({ categoryId: 'knives', brandId: 'acme' }),
        sku({ categoryId: 'knives' }),
        sku({ brandId: 'acme' }),
      ]),
    ).toEqual([10_100, 10_000, 10_000]);
  });

  it('many attribute values (more than 32 bits) still match the right ones', () => {
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    const rules: PriceRule[] = [
      { scope: { attributes: [{ key: 'a', values: values.slice(0, 20) }] }, adjust: fixed(1) },
      { scope: { attributes: [{ key: 'a', values: values.slice(20) }] }, adjust: fixed(2) },
    ];
    expect(run(rules, [sku({ spec: { a: 'v3' } }), sku({ spec: { a: 'v39' } }), sku({ spec: { a: 'v40' } })])).toEqual([
      10_001, 10_002, 10_000,
    ]);
  });
});

describe('price rules: order, rounding, floor', () => {
  it('rules apply in order, each to the running price; stop ends the list', () => {
    expect(run([{ adjust: pct(10) }, { adjust: fixed(-1_000) }], [sku()])).toEqual([10_000]); // 11 000 − 1 000
    expect(run([{ adjust: fixed(-1_000) }, { adjust: pct(10) }], [sku()])).toEqual([9_900]); // (10 000 − 1 000) × 1.1
    expect(run([{ adjust: pct(-50), stop: true }, { adjust: fixed(-1_000) }], [sku()])).toEqual([5_000]);
    expect(run([{ adjust: fixed(-50_000) }], [sku()])).toEqual([0]); // never below zero
  });

  it('percentages are exact in fen, half up, also on amounts beyond 2^53 / 10 000', () => {
    expect(percentOf(12_345, 1_250)).toBe(1_543); // 1 543.125
    expect(percentOf(10, 500)).toBe(1); // 0.5 → 1
    expect(percentOf(999_999_999_999, 333)).toBe(33_300_000_000); // 33 299 999 999.967
    expect(run([{ adjust: pct(33.33) }], [sku({ price: 999 })])).toEqual([1_332]); // 999 + 332.97
  });

  it('rounding modes: whole yuan, x.99, 10 fen', () => {
    expect([1_249, 1_250, 1_251].map((p) => roundPrice(p, MODE_YUAN))).toEqual([1_200, 1_300, 1_300]);
    expect([1_240, 1_260, 1_299, 30].map((p) => roundPrice(p, MODE_X99))).toEqual([1_199, 1_299, 1_299, 99]);
    expect([1_234, 1_235].map((p) => roundPrice(p, MODE_TEN_FEN))).toEqual([1_230, 1_240]);
  });

  it('rounding tiers pick by the computed price; SKUs no rule matched are not rounded', () => {
    const set: RuleSet = {
      rules: [{ scope: { categoryIds: ['home'] }, adjust: pct(1) }],
      rounding: [{ below: 1_000, mode: 'ten_fen' }, { below: 10_000, mode: 'x99' }, { mode: 'yuan' }],
    };
    const prices = run(set, [
      sku({ categoryId: 'home', price: 500 }), // 505 → 510
      sku({ categoryId: 'home', price: 5_000 }), // 5 050 → 50.99
      sku({ categoryId: 'home', price: 20_000 }), // 20 200 → 202.00
      sku({ categoryId: 'home', price: 20_040 }), // 20 240.4 → 20 240 → 202.00
      sku({ categoryId: 'phones', price: 1_234 }), // untouched
    ]);
    expect(prices).toEqual([510, 5_099, 20_200, 20_200, 1_234]);
  });

  it('the floor is cost × (1 + minimum margin), rounded up, after rounding; no cost, no floor', () => {
    const set: RuleSet = { rules: [{ adjust: pct(-90) }], rounding: [{ mode: 'yuan' }], minMargin: 0.15 };
    expect(run(set, [sku({ costPrice: 7_001 }), sku({ costPrice: 100 }), sku()])).toEqual([8_052, 1_000, 1_000]);
    // 7 001 × 1.15 = 8 051.15 → 8 052; 1 000 ≥ 115 stays; no cost price: 1 000
  });
});

describe('RecalculateInput (the schema)', () => {
  const id = '0190f0c4-8b1a-7c3e-9a1b-123456789abc';
  it('accepts a full rule set and refuses nonsense with the field named', () => {
    expect(
      RecalculateInput.safeParse({
        rules: [
          {
            scope: { categoryIds: [id], attributes: [{ key: 'color', values: ['red'] }] },
            adjust: { kind: 'percent', value: -12.5 },
          },
        ],
        rounding: [{ below: 10_000, mode: 'x99' }, { mode: 'yuan' }],
        minMargin: 0.1,
        window: { startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-12T00:00:00Z' },
      }).success,
    ).toBe(true);
    const bad = RecalculateInput.safeParse({
      rules: [{ adjust: { kind: 'percent', value: 12.345 } }],
      window: { startsAt: '2026-12-02T00:00:00Z', endsAt: '2026-12-01T00:00:00Z' },
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['rules.0.adjust.value', 'window.endsAt']);
    expect(RecalculateInput.safeParse({ rules: [] }).success).toBe(false);
  });
});
