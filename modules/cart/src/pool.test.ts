import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';

// A cart write holds its transaction's connection; a stock check that asked the pool for a second
// one made N concurrent adds on a pool of N wait for each other until the acquire timeout.
describe('cart writes on a small pool', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartpool', { DB_POOL_MAX: '2', CART_HOLD_TTL_SECONDS: '0' });
  });
  afterAll(() => h?.close());

  it('12 concurrent adds (stock checked, caches cold) complete on 2 connections', async () => {
    const skus = await h.skus(12, { stock: 5 });
    const started = Date.now();
    const carts = await Promise.all(skus.map((skuId) => h.guest().addItem({ skuId, quantity: 2 })));
    expect(carts.map((c) => c.items[0].quantity)).toEqual(skus.map(() => 2));
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
