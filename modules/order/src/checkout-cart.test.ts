import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
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

describe('checkout and adds to the same cart at once', () => {
  it('never deadlock: both lock the cart row before the stock rows', async () => {
    const cart = h.realCart!;
    const deadlocks = async () =>
      (
        await h.db.query<{ n: number }>(
          'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
          { type: QueryTypes.SELECT },
        )
      )[0].n;
    const before = await deadlocks();
    const u = await h.user();
    const owner = { type: 'user' as const, id: u.id };
    const a = await h.sku(500, 1000);
    for (let round = 0; round < 25; round++) {
      await cart.addItem(owner, { skuId: a, quantity: 1 });
      // The checkout moves the line's hold while more of the same SKU is added (held) to the cart.
      await Promise.all([
        u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() }).catch(() => undefined),
        cart.addItem(owner, { skuId: a, quantity: 1 }),
        cart.addItem(owner, { skuId: a, quantity: 1 }),
      ]);
    }
    // Statistics reach pg_stat_database when the reporting backend is idle (at most once a second).
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deadlocks()).toBe(before);
  }, 60_000);
});
