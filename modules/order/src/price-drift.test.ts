import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

// The price-drift policy end to end: the real cart (agreed prices, acceptPrices), catalog prices, checkout.
let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('orderdrift', { realCart: true, env: { CART_HOLD_TTL_SECONDS: '1800' } });
});
afterAll(() => h?.close());

/** A customer with `quantity` of a new SKU at `price` (stock 10) in the cart; the line's id. */
async function shopper(price: number, quantity = 1) {
  const u = await h.user();
  const owner = { type: 'user' as const, id: u.id };
  const sku = await h.sku(price, 10);
  const view = await h.realCart!.addItem(owner, { skuId: sku, quantity });
  return { ...u, owner, sku, itemId: view.items[0].id };
}
const orders = async (userId: string) => h.q(`SELECT id FROM "order".orders WHERE user_id = $1`, [userId]);

describe('price drift at checkout', () => {
  it('a silent rise 100 → 150 is refused without expectedPayable; after cart.acceptPrices it is sold at 150', async () => {
    const s = await shopper(100, 2);
    await h.catalog.setSkuPrice({ skuId: s.sku, price: 150 });
    const e = await failure(h, s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() }));
    expect([e.code, e.data.appCode]).toEqual(['CONFLICT', 'PRICE_CHANGED']);
    expect(e.data.details).toEqual({
      totals: { itemsAmount: 300, discountAmount: 0, shippingAmount: 0, payableAmount: 300 },
      currency: 'CNY',
      lines: [{ itemId: s.itemId, skuId: s.sku, seenPrice: 100, currentPrice: 150 }],
    });
    // Nothing ordered; the cart's hold is where it was.
    expect(await orders(s.id)).toEqual([]);
    expect(await h.stock(s.sku)).toEqual({ onHand: 10, reserved: 2 });
    // Saying the payable at the new price does not agree to it: only the cart does.
    const told = await failure(
      h,
      s.api.checkout({ addressId: s.addressId, expectedPayable: 300, idempotencyKey: h.key() }),
    );
    expect(told.data.appCode).toBe('PRICE_CHANGED');

    const accepted = await h.realCart!.acceptPrices(s.owner, { itemIds: [s.itemId] });
    expect(accepted.items[0]).toMatchObject({ addedPrice: 150, unitPrice: 150, priceChanged: false });
    expect(accepted.warnings.filter((w) => w.kind === 'price_up' || w.kind === 'price_down')).toEqual([]);
    const order = await s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() });
    expect(order).toMatchObject({ itemsAmount: 300, payableAmount: 300 });
    expect(order.items.map((i) => [i.unitPrice, i.quantity])).toEqual([[150, 2]]);
  });

  it('a decrease passes at the lower price, with or without expectedPayable', async () => {
    const s = await shopper(100, 3);
    await h.catalog.setSkuPrice({ skuId: s.sku, price: 80 });
    const order = await s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() });
    expect(order.items.map((i) => [i.unitPrice, i.subtotal])).toEqual([[80, 240]]);
    expect(order.payableAmount).toBe(240);

    const t = await shopper(100, 1);
    await h.catalog.setSkuPrice({ skuId: t.sku, price: 90 });
    // The client still showed 100: told the lower figure (the line that moved), then it goes through.
    const e = await failure(
      h,
      t.api.checkout({ addressId: t.addressId, expectedPayable: 100, idempotencyKey: h.key() }),
    );
    expect(e.data.details).toEqual({
      totals: { itemsAmount: 90, discountAmount: 0, shippingAmount: 0, payableAmount: 90 },
      currency: 'CNY',
      lines: [{ itemId: t.itemId, skuId: t.sku, seenPrice: 100, currentPrice: 90 }],
    });
    expect(
      (await t.api.checkout({ addressId: t.addressId, expectedPayable: 90, idempotencyKey: h.key() })).payableAmount,
    ).toBe(90);
  });

  it('one risen line refuses the checkout of every line; a new add of the SKU agrees to the price now', async () => {
    const s = await shopper(100, 1);
    const other = await h.sku(500, 10);
    await h.realCart!.addItem(s.owner, { skuId: other, quantity: 1 });
    await h.catalog.setSkuPrice({ skuId: s.sku, price: 150 });
    await h.catalog.setSkuPrice({ skuId: other, price: 400 });
    const e = await failure(h, s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() }));
    expect(e.data.appCode).toBe('PRICE_CHANGED');
    const details = e.data.details as { totals: { payableAmount: number }; lines: { skuId: string }[] };
    expect(details.totals.payableAmount).toBe(550);
    expect(details.lines.map((l) => l.skuId).sort()).toEqual([s.sku, other].sort());

    const view = await h.realCart!.addItem(s.owner, { skuId: s.sku, quantity: 1 });
    expect(view.items.find((i) => i.skuId === s.sku)).toMatchObject({ quantity: 2, addedPrice: 150 });
    const order = await s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() });
    expect(order.items.map((i) => [i.skuId, i.unitPrice, i.quantity]).sort()).toEqual(
      [
        [s.sku, 150, 2],
        [other, 400, 1],
      ].sort(),
    );
  });
});
