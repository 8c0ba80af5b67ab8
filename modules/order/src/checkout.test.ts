import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type OrderCreatedV1 } from '@zjmall/contracts';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('ordercheckout', {
    env: { SHIPPING_FLAT_FEE: '500', ORDER_PAYMENT_TTL_SECONDS: '900' },
  });
});
afterAll(() => h?.close());

describe('order.checkout', () => {
  it('re-prices from the catalog, turns cart holds into order reservations and writes everything in one go', async () => {
    const u = await h.user();
    const a = await h.sku(1999, 10);
    const b = await h.sku(350, 10);
    await h.cart.add(u.id, a, 2, { hold: true, addedPrice: 2500 }); // the price fell since: sold at 1999
    await h.cart.add(u.id, b, 3, { hold: false });
    const cartId = h.cart.cartId(u.id);
    const order = await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() });

    expect(order.status).toBe('pending_payment');
    expect(order.orderNo).toMatch(/^\d{8}\d{8,}$/);
    expect(order.items.map((i) => [i.skuId, i.unitPrice, i.quantity, i.subtotal, i.discount, i.paid])).toEqual([
      [a, 1999, 2, 3998, 0, 3998],
      [b, 350, 3, 1050, 0, 1050],
    ]);
    expect(order).toMatchObject({
      itemsAmount: 5048,
      discountAmount: 0,
      shippingAmount: 500,
      payableAmount: 5548,
      currency: 'CNY',
    });
    expect(order.address).toMatchObject({ receiver: '张三', city: '杭州' });
    expect(order.log).toEqual([expect.objectContaining({ from: null, to: 'pending_payment', actor: u.id })]);
    const ttl = new Date(order.expiresAt).getTime() - new Date(order.createdAt).getTime();
    expect(Math.abs(ttl - 900_000)).toBeLessThan(1000);
    // The answer is built from what the checkout wrote: exactly what order.get reads back.
    expect(await u.api.get({ id: order.id })).toEqual(order);

    // Holds moved (reserved never dipped), the rest reserved now; the cart's hold is gone.
    expect(await h.stock(a)).toEqual({ onHand: 10, reserved: 2 });
    expect(await h.stock(b)).toEqual({ onHand: 10, reserved: 3 });
    const res = await h.reservations(order.id);
    expect(
      res
        .filter((r) => r.status === 'active')
        .map((r) => [r.sku_id, r.quantity])
        .sort(),
    ).toEqual(
      [
        [a, 2],
        [b, 3],
      ].sort(),
    );
    expect((await h.reservations(cartId)).filter((r) => r.status === 'active')).toEqual([]);
    // The bought lines left the cart; the event is in the outbox.
    expect(h.cart.lines(u.id)).toEqual([]);
    const [ev] = await h.events<OrderCreatedV1>(EVENTS.order.created, order.id);
    expect(ev.data).toMatchObject({
      orderNo: order.orderNo,
      userId: u.id,
      payableAmount: 5548,
      status: 'pending_payment',
    });
  });

  it('buys only the selected lines (or the given itemIds); order numbers increase', async () => {
    const u = await h.user();
    const a = await h.sku(100, 5);
    const b = await h.sku(200, 5);
    await h.cart.add(u.id, a, 1);
    const kept = await h.cart.add(u.id, b, 1, { selected: false });
    const first = await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() });
    expect(first.items.map((i) => i.skuId)).toEqual([a]);
    expect(h.cart.lines(u.id).map((l) => l.itemId)).toEqual([kept]);
    const second = await u.api.checkout({ addressId: u.addressId, itemIds: [kept], idempotencyKey: h.key() });
    expect(second.items.map((i) => i.skuId)).toEqual([b]);
    expect(second.orderNo > first.orderNo).toBe(true);
  });

  it('refuses: nothing selected, another user’s address, unavailable SKU, short stock, coupon — nothing ordered', async () => {
    const u = await h.user();
    const other = await h.user();
    expect((await failure(h, u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() }))).data.appCode).toBe(
      'CART_EMPTY',
    );
    const a = await h.sku(100, 2);
    await h.cart.add(u.id, a, 1);
    const notMine = await failure(h, u.api.checkout({ addressId: other.addressId, idempotencyKey: h.key() }));
    expect([notMine.code, notMine.data.appCode]).toEqual(['NOT_FOUND', 'ADDRESS_NOT_FOUND']);
    const coupon = await failure(
      h,
      u.api.checkout({ addressId: u.addressId, couponCode: 'NOPE', idempotencyKey: h.key() }),
    );
    expect([coupon.data.appCode, coupon.data.details]).toEqual([
      'COUPON_INVALID',
      expect.objectContaining({ reason: 'not_found' }),
    ]);

    const v = await h.user();
    const gone = await h.sku(100, 5);
    await h.cart.add(v.id, gone, 1);
    const [{ product_id }] = await h.q<{ product_id: string }>(`SELECT product_id FROM catalog.skus WHERE id = $1`, [
      gone,
    ]);
    await h.catalog.unpublish(product_id);
    const un = await failure(h, v.api.checkout({ addressId: v.addressId, idempotencyKey: h.key() }));
    expect([un.code, un.data.appCode]).toEqual(['CONFLICT', 'SKU_UNAVAILABLE']);

    const w = await h.user();
    const few = await h.sku(100, 2);
    await h.cart.add(w.id, few, 3);
    const short = await failure(h, w.api.checkout({ addressId: w.addressId, idempotencyKey: h.key() }));
    expect(short.data.appCode).toBe('INSUFFICIENT_STOCK');
    expect(await h.stock(few)).toEqual({ onHand: 2, reserved: 0 });
    expect(await h.q(`SELECT 1 FROM "order".orders WHERE user_id = ANY($1::uuid[])`, [[u.id, v.id, w.id]])).toEqual([]);
    expect(h.cart.lines(w.id)).toHaveLength(1);
  });

  it('PRICE_CHANGED with the new totals when expectedPayable differs; the right figure goes through', async () => {
    const u = await h.user();
    const a = await h.sku(1000, 5);
    await h.cart.add(u.id, a, 2, { hold: true });
    const e = await failure(
      h,
      u.api.checkout({ addressId: u.addressId, expectedPayable: 2000, idempotencyKey: h.key() }),
    );
    expect([e.code, e.data.appCode]).toEqual(['CONFLICT', 'PRICE_CHANGED']);
    expect(e.data.details).toEqual({
      totals: { itemsAmount: 2000, discountAmount: 0, shippingAmount: 500, payableAmount: 2500 },
      currency: 'CNY',
      lines: [],
    });
    expect(await h.stock(a)).toEqual({ onHand: 5, reserved: 2 }); // still the cart's hold
    const ok = await u.api.checkout({ addressId: u.addressId, expectedPayable: 2500, idempotencyKey: h.key() });
    expect(ok.payableAmount).toBe(2500);
  });

  it('one idempotency key: concurrent retries make one order; another body is IDEMPOTENCY_CONFLICT', async () => {
    const u = await h.user();
    const a = await h.sku(300, 50);
    await h.cart.add(u.id, a, 2, { hold: true });
    const key = h.key();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => u.api.checkout({ addressId: u.addressId, idempotencyKey: key })),
    );
    expect(new Set(results.map((o) => o.id)).size).toBe(1);
    expect(await h.q(`SELECT id FROM "order".orders WHERE user_id = $1`, [u.id])).toHaveLength(1);
    expect(await h.stock(a)).toEqual({ onHand: 50, reserved: 2 });
    const again = await u.api.checkout({ addressId: u.addressId, idempotencyKey: key });
    expect(again.id).toBe(results[0].id);
    const conflict = await failure(
      h,
      u.api.checkout({ addressId: u.addressId, expectedPayable: 1, idempotencyKey: key }),
    );
    expect(conflict.data.appCode).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('order.get / order.list', () => {
  it('scopes every read to the caller, pages by cursor and filters by status', async () => {
    const u = await h.user();
    const other = await h.user();
    const a = await h.sku(100, 20);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await h.cart.add(u.id, a, 1);
      ids.push((await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() })).id);
    }
    await u.api.cancel({ id: ids[0] });
    expect((await u.api.get({ id: ids[1] })).id).toBe(ids[1]);
    const nf = await failure(h, other.api.get({ id: ids[1] }));
    expect([nf.code, nf.data.appCode]).toEqual(['NOT_FOUND', 'ORDER_NOT_FOUND']);
    expect((await failure(h, other.api.cancel({ id: ids[1] }))).data.appCode).toBe('ORDER_NOT_FOUND');

    const p1 = await u.api.list({ limit: 2 });
    expect(p1.items.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    const p2 = await u.api.list({ limit: 2, cursor: p1.nextCursor! });
    expect(p2.items.map((o) => o.id)).toEqual([ids[0]]);
    expect(p2.nextCursor).toBeNull();
    expect((await u.api.list({ status: 'cancelled' })).items.map((o) => o.id)).toEqual([ids[0]]);
    expect((await other.api.list()).items).toEqual([]);
    expect((await failure(h, u.api.list({ cursor: 'not-a-cursor' }))).code).toBe('BAD_REQUEST');
  });
});
