import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules } from '../rules/compile';
import {
  createPricingPool,
  evaluate,
  evaluateInline,
  evaluateMany,
  sliceChunk,
  type PricingPool,
} from './pricing-pool';
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

  it('evaluateMany: one task per thread, each a run of chunks of about the same size, the inline result in order', async () => {
    const rand = seededRandom(4);
    const cat = randomCatalog(rand, 9_000);
    const compiled = compileRules(randomRuleSet(rand, cat, 12), cat.categories);
    const all = compiled.encode(cat.skus);
    const inline = evaluateInline(compiled.program, all);
    // uneven chunks: 11 × 700, then 1 300
    const chunks = Array.from({ length: 12 }, (_, i) => sliceChunk(all, i * 700, i === 11 ? 9_000 : (i + 1) * 700));
    const tasks: number[] = [];
    const counting: PricingPool = {
      ...pool,
      runMany: (p, cs) => (tasks.push(cs.reduce((n, c) => n + c.length, 0)), pool.runMany(p, cs)),
    };
    const out = await evaluateMany(compiled.program, chunks, counting);
    expect(out.map((o) => o.length)).toEqual(chunks.map((c) => c.length));
    expect(Float64Array.from(out.flatMap((o) => [...o]))).toEqual(inline);
    expect(tasks).toEqual([4_900, 4_100]); // closed at ≥ half of 9 000 SKUs
  });

  it('below the threshold a batch is evaluated inline (no worker involved)', async () => {
    const rand = seededRandom(9);
    const cat = randomCatalog(rand, 10);
    const compiled = compileRules(randomRuleSet(rand, cat, 3), cat.categories);
    const chunk = compiled.encode(cat.skus);
    const used = () => Promise.reject(new Error('pool used'));
    const fakePool: PricingPool = { threads: 2, run: used, runMany: used, close: async () => {} };
    const out = await evaluate(compiled.program, chunk, fakePool, 1_000);
    expect(out).toEqual(evaluateInline(compiled.program, compiled.encode(cat.skus)));
    await expect(evaluate(compiled.program, chunk, fakePool, 0)).rejects.toThrow('pool used');
  });

  it('with the default threshold a job batch (1,000 SKUs) of 24 or 200 rules goes to the pool, all of it to workers', async () => {
    const rand = seededRandom(12);
    const cat = randomCatalog(rand, 1000);
    const seen: number[] = [];
    const counting: PricingPool = {
      threads: 2,
      run: (program, chunk) => {
        seen.push(chunk.length);
        return pool.run(program, chunk);
      },
      runMany: (program, chunks) => pool.runMany(program, chunks),
      close: async () => {},
    };
    for (const rules of [200, 24]) {
      const compiled = compileRules(randomRuleSet(rand, cat, rules), cat.categories);
      seen.length = 0;
      const out = await evaluate(compiled.program, compiled.encode(cat.skus), counting);
      expect(out).toEqual(evaluateInline(compiled.program, compiled.encode(cat.skus)));
      // Every SKU evaluated on a worker: this thread only splits and copies back.
      expect(seen).toEqual([500, 500]);
    }
    // A batch that costs the event loop less than handing it over stays inline.
    const small = compileRules(randomRuleSet(rand, cat, 4), cat.categories);
    seen.length = 0;
    await evaluate(small.program, small.encode(cat.skus), counting);
    expect(seen).toEqual([]);
  });
});
