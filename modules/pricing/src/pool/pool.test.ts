import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules } from '../rules/compile';
import { createPricingPool, evaluate, evaluateInline, type PricingPool } from './pricing-pool';
import { randomCatalog, randomRuleSet, seededRandom } from './random-rules';

describe('evaluation on the piscina pool', () => {
  let pool: PricingPool;
  beforeAll(() => {
    pool = createPricingPool({ threads: 2 });
  });
  afterAll(() => pool.close());

  it('gives exactly the inline result on random SKUs and rules (several seeds)', async () => {
    for (const seed of [1, 2, 3]) {
      const rand = seededRandom(seed);
      const cat = randomCatalog(rand, 20_000);
      const compiled = compileRules(randomRuleSet(rand, cat, 24), cat.categories);
      const inline = evaluateInline(compiled.program, compiled.encode(cat.skus));
      // threshold 0: always the pool, split over both threads
      const pooled = await evaluate(compiled.program, compiled.encode(cat.skus), pool, 0);
      expect(pooled).toEqual(inline);
      const changed = inline.filter((p, i) => p !== cat.skus[i].price).length;
      expect(changed).toBeGreaterThan(5_000); // the rules do something, so equality means something
    }
  });

  it('below the threshold a batch is evaluated inline (no worker involved)', async () => {
    const rand = seededRandom(9);
    const cat = randomCatalog(rand, 10);
    const compiled = compileRules(randomRuleSet(rand, cat, 3), cat.categories);
    const chunk = compiled.encode(cat.skus);
    const fakePool: PricingPool = { threads: 2, run: () => Promise.reject(new Error('pool used')), close: async () => {} };
    const out = await evaluate(compiled.program, chunk, fakePool, 1_000);
    expect(out).toEqual(evaluateInline(compiled.program, compiled.encode(cat.skus)));
    await expect(evaluate(compiled.program, chunk, fakePool, 0)).rejects.toThrow('pool used');
  });
});
