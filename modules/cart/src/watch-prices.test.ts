import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type CartView, type PriceChangedV1 } from '@zjmall/contracts';
import { createHarness, type Harness } from './testing/harness';

// A price event can reach a process before the writer's cache invalidation does: the push it
// triggers must show the new price, not the cached one.
describe('cart.onChange after a price event that outran the cache invalidation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartwatchprice');
  });
  afterAll(() => h?.close());

  it('pushes the price from the database', async () => {
    const c = h.user();
    const [a] = await h.skus(1, { price: 1000 });
    h.platform.relay.start();
    await c.addItem({ skuId: a, quantity: 1 });
    expect((await c.get()).items[0].unitPrice).toBe(1000); // cached now
    // The add's own events are published before the watch starts (it hears live events only).
    await new Promise((r) => setTimeout(r, 500));
    const abort = new AbortController();
    const watch = h.cart.watch(c.owner, abort.signal);
    const next = async (): Promise<CartView> => {
      const r = await watch.next();
      if (r.done) throw new Error('watch ended');
      return r.value;
    };
    expect((await next()).items[0].unitPrice).toBe(1000);
    try {
      // The price changes in the database and its event is published, but no cache is told.
      await h.db.transaction(async (tx) => {
        await h.db.query(`UPDATE catalog.skus SET price = 640 WHERE id = $1`, { bind: [a], transaction: tx });
        const data: PriceChangedV1 = { changes: [{ skuId: a, oldPrice: 1000, newPrice: 640 }], source: 'admin' };
        await h.platform.outbox.add(tx, { type: EVENTS.catalog.priceChanged, aggregateId: a, data, version: 1 });
      });
      const pushed = await next();
      expect(pushed.items[0]).toMatchObject({ unitPrice: 640, addedPrice: 1000, priceChanged: true });
      // The push refilled the cache: a plain read agrees.
      expect((await c.get()).items[0].unitPrice).toBe(640);
    } finally {
      abort.abort();
      await h.platform.relay.stop();
    }
  });
});
