import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCouponInput } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

// Coupons end to end: the real cart (applyCoupon), pricing's coupon service, checkout and cancel.
let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('ordercoupon', { realCart: true, env: { CART_HOLD_TTL_SECONDS: '0' } });
});
afterAll(() => h?.close());

let n = 0;
const coupon = (input: Partial<CreateCouponInput> = {}) =>
  h.coupons.create({ code: `oc${Date.now().toString(36)}${n++}`, kind: 'FIXED', value: 500, ...input }, null);
const usedCount = async (code: string) => (await h.coupons.get(code))!.usedCount;

/** A customer whose cart holds `lines` (price, quantity), each a new SKU with stock 10. */
async function shopper(lines: [price: number, quantity: number][] = [[1000, 2]]) {
  const u = await h.user();
  const owner = { type: 'user' as const, id: u.id };
  const skus: string[] = [];
  for (const [price, quantity] of lines) {
    const sku = await h.sku(price, 10);
    skus.push(sku);
    await h.realCart!.addItem(owner, { skuId: sku, quantity });
  }
  return { ...u, owner, skus };
}

describe('checkout with a coupon', () => {
  it("uses the cart's coupon: the discount is allocated over the lines exactly, the use recorded, the code kept", async () => {
    const s = await shopper([
      [333, 1],
      [667, 2],
      [1000, 1],
    ]);
    const pct = await coupon({ kind: 'PERCENT', value: 10 });
    const view = await h.realCart!.applyCoupon(s.owner, { code: pct.code.toLowerCase() });
    expect(view).toMatchObject({ selectedAmount: 2667, discountAmount: 266, payableAmount: 2401 });

    const order = await s.api.checkout({
      addressId: s.addressId,
      expectedPayable: view.payableAmount,
      idempotencyKey: h.key(),
    });
    expect(order).toMatchObject({ couponCode: pct.code, itemsAmount: 2667, discountAmount: 266, payableAmount: 2401 });
    // 10 % of 2667 = 266.7 → 266, split by subtotal (largest remainder): 33.2, 133.0, 99.7 → 33, 133, 100.
    const bySku = new Map(order.items.map((i) => [i.skuId, i]));
    expect(s.skus.map((k) => [bySku.get(k)!.subtotal, bySku.get(k)!.discount, bySku.get(k)!.paid])).toEqual([
      [333, 33, 300],
      [1334, 133, 1201],
      [1000, 100, 900],
    ]);
    expect(order.items.reduce((a, i) => a + i.discount, 0)).toBe(order.discountAmount);
    expect(
      await h.q(`SELECT user_id, discount, status FROM pricing.coupon_uses WHERE order_id = $1`, [order.id]),
    ).toEqual([{ user_id: s.id, discount: 266, status: 'used' }]);
    expect(await usedCount(pct.code)).toBe(1);
    expect((await s.api.get({ id: order.id })).couponCode).toBe(pct.code);
    // The use went with the order: the cart no longer carries the code.
    expect((await h.realCart!.get(s.owner)).coupon).toBeNull();
  });

  it('couponCode in the input wins; expectedPayable is compared with the discounted payable', async () => {
    const s = await shopper([[1000, 3]]);
    const onCart = await coupon({ value: 100 });
    const given = await coupon({ value: 700 });
    await h.realCart!.applyCoupon(s.owner, { code: onCart.code });
    const stale = await failure(
      h,
      s.api.checkout({
        addressId: s.addressId,
        couponCode: given.code,
        expectedPayable: 2900,
        idempotencyKey: h.key(),
      }),
    );
    expect([stale.code, stale.data.appCode]).toEqual(['CONFLICT', 'PRICE_CHANGED']);
    // No price moved: no lines, only the totals with the given coupon.
    expect(stale.data.details).toEqual({
      totals: { itemsAmount: 3000, discountAmount: 700, shippingAmount: 0, payableAmount: 2300 },
      currency: 'CNY',
      lines: [],
    });
    expect(await usedCount(given.code)).toBe(0);
    const order = await s.api.checkout({
      addressId: s.addressId,
      couponCode: ` ${given.code.toLowerCase()} `,
      expectedPayable: 2300,
      idempotencyKey: h.key(),
    });
    expect(order).toMatchObject({ couponCode: given.code, discountAmount: 700, payableAmount: 2300 });
    // Not the cart's coupon: it stays on the cart, unused.
    expect((await h.realCart!.get(s.owner)).coupon).toMatchObject({ code: onCart.code });
    expect(await usedCount(onCart.code)).toBe(0);
  });

  it('every COUPON_INVALID reason refuses the checkout (BAD_REQUEST): nothing ordered, reserved or used', async () => {
    const s = await shopper([[1000, 2]]);
    const other = await shopper([[1000, 1]]);
    const min = await coupon({ minSpend: 2001 });
    const over = await coupon({ startsAt: '2020-01-01T00:00:00Z', endsAt: '2020-02-01T00:00:00Z' });
    const later = await coupon();
    await h.db.query(`UPDATE pricing.coupons SET starts_at = now() + interval '1 hour' WHERE id = $1`, {
      bind: [later.id],
    });
    const one = await coupon({ usageLimit: 1 });
    await other.api.checkout({ addressId: other.addressId, couponCode: one.code, idempotencyKey: h.key() });
    const mine = await coupon({ perUserLimit: 1 });
    await h.db.transaction((tx) =>
      h.coupons.redeem(mine.code, { userId: s.id, orderId: newId(), selectedAmount: 5000 }, tx),
    );
    const withdrawn = await coupon();
    await h.coupons.disable(withdrawn.code, null);

    const cases: [string, string][] = [
      ['NOPE', 'not_found'],
      [withdrawn.code, 'disabled'],
      [min.code, 'min_spend'],
      [over.code, 'expired'],
      [later.code, 'not_started'],
      [one.code, 'limit_reached'],
      [mine.code, 'user_limit'],
    ];
    for (const [code, reason] of cases) {
      const e = await failure(h, s.api.checkout({ addressId: s.addressId, couponCode: code, idempotencyKey: h.key() }));
      expect([e.code, e.data.appCode, e.data.details], code).toEqual([
        'BAD_REQUEST',
        'COUPON_INVALID',
        expect.objectContaining({ reason }),
      ]);
    }
    expect(await h.q(`SELECT 1 FROM "order".orders WHERE user_id = $1`, [s.id])).toEqual([]);
    expect(await h.stock(s.skus[0])).toEqual({ onHand: 10, reserved: 0 });
    expect([
      await usedCount(one.code),
      await usedCount(mine.code),
      await usedCount(min.code),
      await usedCount(withdrawn.code),
    ]).toEqual([1, 1, 0, 0]);
    // The cart's own coupon is judged the same way when it no longer applies.
    const applied = await coupon({ minSpend: 2000 });
    await h.realCart!.applyCoupon(s.owner, { code: applied.code });
    await h.realCart!.updateQuantity(s.owner, { itemId: (await h.realCart!.get(s.owner)).items[0].id, quantity: 1 });
    const below = await failure(h, s.api.checkout({ addressId: s.addressId, idempotencyKey: h.key() }));
    expect(below.data.details).toMatchObject({ reason: 'min_spend', code: applied.code });
  });

  it('per-user limit: the second checkout of the same customer is user_limit', async () => {
    const s = await shopper([
      [1000, 1],
      [1200, 1],
    ]);
    const once = await coupon({ perUserLimit: 1 });
    const items = (await h.realCart!.get(s.owner)).items;
    await s.api.checkout({
      addressId: s.addressId,
      itemIds: [items[0].id],
      couponCode: once.code,
      idempotencyKey: h.key(),
    });
    const again = await failure(
      h,
      s.api.checkout({
        addressId: s.addressId,
        itemIds: [items[1].id],
        couponCode: once.code,
        idempotencyKey: h.key(),
      }),
    );
    expect(again.data.details).toMatchObject({ reason: 'user_limit', perUserLimit: 1 });
  });
});

describe('cancel gives the use back', () => {
  it('customer cancel: released once, and the coupon can be used again', async () => {
    const a = await shopper();
    const b = await shopper();
    const one = await coupon({ usageLimit: 1 });
    const order = await a.api.checkout({ addressId: a.addressId, couponCode: one.code, idempotencyKey: h.key() });
    expect(
      (await failure(h, b.api.checkout({ addressId: b.addressId, couponCode: one.code, idempotencyKey: h.key() }))).data
        .details,
    ).toMatchObject({ reason: 'limit_reached' });
    await a.api.cancel({ id: order.id });
    expect(await usedCount(one.code)).toBe(0);
    expect((await failure(h, a.api.cancel({ id: order.id }))).data.appCode).toBe('ILLEGAL_TRANSITION');
    expect(await usedCount(one.code)).toBe(0);
    expect(await h.q(`SELECT status FROM pricing.coupon_uses WHERE order_id = $1`, [order.id])).toEqual([
      { status: 'released' },
    ]);
    expect(
      await b.api.checkout({ addressId: b.addressId, couponCode: one.code, idempotencyKey: h.key() }),
    ).toMatchObject({ couponCode: one.code, discountAmount: 500 });
    expect(await usedCount(one.code)).toBe(1);
  });

  it('the timeout canceller releases it too', async () => {
    const a = await shopper();
    const one = await coupon({ usageLimit: 1 });
    const order = await a.api.checkout({ addressId: a.addressId, couponCode: one.code, idempotencyKey: h.key() });
    await h.expire(order.id);
    expect((await h.order.cancelExpired()).cancelled).toBeGreaterThanOrEqual(1);
    expect((await a.api.get({ id: order.id })).status).toBe('cancelled');
    expect(await usedCount(one.code)).toBe(0);
    expect(await h.q(`SELECT status FROM pricing.coupon_uses WHERE order_id = $1`, [order.id])).toEqual([
      { status: 'released' },
    ]);
  });
});
