import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('ordercart', { realCart: true, env: { CART_HOLD_TTL_SECONDS: '1800' } });
});
afterAll(() => h?.close());

describe('checkout from the real cart', () => {
  it('takes the selected lines, moves the cart holds to the order and removes the bought lines', async () => {
    const cart = h.realCart!;
    const u = await h.user();
    const owner = { type: 'user' as const, id: u.id };
    const a = await h.sku(800, 10);
    const b = await h.sku(900, 10);
    await cart.addItem(owner, { skuId: a, quantity: 2 });
    const view = await cart.addItem(owner, { skuId: b, quantity: 1 });
    const lineB = view.items.find((i) => i.skuId === b)!;
    await cart.select(owner, { itemIds: [lineB.id], selected: false });
    expect(await h.stock(a)).toEqual({ onHand: 10, reserved: 2 });

    const order = await u.api.checkout({ addressId: u.addressId, expectedPayable: 1600, idempotencyKey: h.key() });
    expect(order.items.map((i) => [i.skuId, i.quantity, i.paid])).toEqual([[a, 2, 1600]]);
    expect(await h.stock(a)).toEqual({ onHand: 10, reserved: 2 });
    expect((await h.reservations(order.id)).map((r) => [r.sku_id, r.quantity, r.status])).toEqual([[a, 2, 'active']]);
    const after = await cart.get(owner);
    expect(after.items.map((i) => i.skuId)).toEqual([b]);

    // Nothing selected now.
    const empty = await failure(h, u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() }));
    expect(empty.data.appCode).toBe('CART_EMPTY');
    // Cancel gives the stock back.
    await u.api.cancel({ id: order.id });
    expect(await h.stock(a)).toEqual({ onHand: 10, reserved: 0 });
  });
});
