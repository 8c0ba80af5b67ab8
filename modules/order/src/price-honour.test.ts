import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

// The honour window of the price-drift policy (PRICE_HONOR_SECONDS = 10 minutes here): the real cart,
// catalog's priceSince, checkout.
let hh: OrderHarness;
beforeAll(async () => {
  hh = await createOrderHarness('orderhonour', {
    realCart: true,
    env: { CART_HOLD_TTL_SECONDS: '1800', PRICE_HONOR_SECONDS: '600' },
  });
});
afterAll(() => hh?.close());

/** A customer with `quantity` of a new SKU at `price` (stock 10) in the cart; the line's id. */
async function shopper(price: number, quantity: number) {
  const u = await hh.user();
  const owner = { type: 'user' as const, id: u.id };
  const sku = await hh.sku(price, 10);
  const view = await hh.realCart!.addItem(owner, { skuId: sku, quantity });
  return { ...u, owner, sku, itemId: view.items[0].id };
}

describe('the honour window (PRICE_HONOR_SECONDS)', () => {
  it('a rise within the window of its change is sold at the agreed price; past it, PRICE_CHANGED', async () => {
    const s = await shopper(100, 2);
    await hh.catalog.setSkuPrice({ skuId: s.sku, price: 150 });
    // The cart still says the price rose; checkout honours the agreed one.
    expect((await hh.realCart!.get(s.owner)).warnings).toContainEqual(
      expect.objectContaining({ kind: 'price_up', seenPrice: 100, currentPrice: 150 }),
    );
    const order = await s.api.checkout({ addressId: s.addressId, idempotencyKey: hh.key() });
    expect(order.items.map((i) => [i.unitPrice, i.quantity, i.subtotal])).toEqual([[100, 2, 200]]);
    expect(order.payableAmount).toBe(200);

    // The same rise, changed 11 minutes ago (by the database clock): the window is over.
    const t = await shopper(100, 1);
    await hh.catalog.setSkuPrice({ skuId: t.sku, price: 150 });
    await hh.q(`UPDATE catalog.skus SET price_changed_at = now() - interval '660 seconds' WHERE id = $1`, [t.sku]);
    const [{ product_id }] = await hh.q<{ product_id: string }>(`SELECT product_id FROM catalog.skus WHERE id = $1`, [
      t.sku,
    ]);
    // A rename drops the SKU's cached view (and leaves its price's time as it is).
    await hh.catalog.updateProduct({ id: product_id, name: `renamed ${t.sku.slice(-6)}` }, t.id);
    const e = await failure(hh, t.api.checkout({ addressId: t.addressId, idempotencyKey: hh.key() }));
    expect([e.data.appCode, e.data.details]).toEqual([
      'PRICE_CHANGED',
      {
        totals: { itemsAmount: 150, discountAmount: 0, shippingAmount: 0, payableAmount: 150 },
        currency: 'CNY',
        lines: [{ itemId: t.itemId, skuId: t.sku, seenPrice: 100, currentPrice: 150 }],
      },
    ]);

    // A decrease is sold at the lower price, window or not.
    const u = await shopper(100, 1);
    await hh.catalog.setSkuPrice({ skuId: u.sku, price: 70 });
    expect((await u.api.checkout({ addressId: u.addressId, idempotencyKey: hh.key() })).payableAmount).toBe(70);
  });
});
