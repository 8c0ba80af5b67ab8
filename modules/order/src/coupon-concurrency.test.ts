import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

// The usage limit under concurrent checkouts, and idempotent retries, with the real cart.
let h: OrderHarness;
beforeAll(async () => {
  // No cart holds: each checkout reserves its stock in its own transaction, so a refused one must leave none.
  h = await createOrderHarness('couponrace', {
    realCart: true,
    env: { CART_HOLD_TTL_SECONDS: '0', DB_POOL_MAX: '20' },
  });
});
afterAll(() => h?.close());

const USERS = 30;
const LIMIT = 10;

describe('coupon usage limit under concurrency', () => {
  it(`a coupon limited to ${LIMIT} uses, ${USERS} customers checking out at once: exactly ${LIMIT} orders carry it`, async () => {
    const sku = await h.sku(2000, 100);
    const { code } = await h.coupons.create(
      { code: `RACE${Date.now().toString(36)}`, kind: 'FIXED', value: 300, usageLimit: LIMIT },
      null,
    );
    // Set up one by one (the race under test is the checkout).
    const buyers = [];
    for (let i = 0; i < USERS; i++) {
      const u = await h.user();
      const owner = { type: 'user' as const, id: u.id };
      await h.realCart!.addItem(owner, { skuId: sku, quantity: 1 });
      await h.realCart!.applyCoupon(owner, { code });
      buyers.push({ ...u, owner });
    }

    const results = await Promise.allSettled(
      buyers.map((b) => b.api.checkout({ addressId: b.addressId, idempotencyKey: h.key() })),
    );
    const orders = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(orders).toHaveLength(LIMIT);
    expect(orders.every((o) => o.couponCode === code && o.discountAmount === 300 && o.payableAmount === 1700)).toBe(
      true,
    );
    const refused = buyers.filter((_, i) => results[i].status === 'rejected');
    for (const r of results) {
      if (r.status === 'rejected') {
        const e = await failure(h, Promise.reject(r.reason));
        expect([e.data.appCode, (e.data.details as { reason: string }).reason]).toEqual([
          'COUPON_INVALID',
          'limit_reached',
        ]);
      }
    }
    // Nothing ordered or reserved for the refused; their carts still hold the line (and the code).
    expect((await h.stock(sku)).reserved).toBe(LIMIT);
    expect(
      await h.q(`SELECT 1 FROM "order".orders WHERE user_id = ANY($1::uuid[])`, [refused.map((b) => b.id)]),
    ).toEqual([]);
    for (const b of refused.slice(0, 3)) {
      expect(await h.realCart!.get(b.owner)).toMatchObject({
        totalQuantity: 1,
        coupon: { code, valid: false, reason: 'limit_reached' },
      });
    }
    expect((await h.coupons.get(code))!.usedCount).toBe(LIMIT);
    const uses = await h.q<{ order_id: string }>(
      `SELECT order_id FROM pricing.coupon_uses WHERE status = 'used' AND coupon_id = (SELECT id FROM pricing.coupons WHERE code = $1)`,
      [code],
    );
    expect(uses.map((u) => u.order_id).sort()).toEqual(orders.map((o) => o.id).sort());
  }, 60_000);

  it('retries of one checkout (same idempotency key, at once and later) redeem the coupon once', async () => {
    const u = await h.user();
    const owner = { type: 'user' as const, id: u.id };
    await h.realCart!.addItem(owner, { skuId: await h.sku(1500, 10), quantity: 2 });
    const { code } = await h.coupons.create(
      { code: `ONCE${Date.now().toString(36)}`, kind: 'PERCENT', value: 20, usageLimit: 1 },
      null,
    );
    const key = h.key();
    const input = { addressId: u.addressId, couponCode: code, idempotencyKey: key };
    const results = await Promise.all(Array.from({ length: 6 }, () => u.api.checkout(input)));
    expect(new Set(results.map((o) => o.id)).size).toBe(1);
    expect(results[0]).toMatchObject({ couponCode: code, discountAmount: 600, payableAmount: 2400 });
    // Later, with the coupon used up and the cart empty: still the same order, no second use.
    expect((await u.api.checkout(input)).id).toBe(results[0].id);
    expect((await h.coupons.get(code))!.usedCount).toBe(1);
    expect(await h.q(`SELECT 1 FROM pricing.coupon_uses WHERE order_id = $1`, [results[0].id])).toHaveLength(1);
    expect(await h.q(`SELECT 1 FROM "order".orders WHERE user_id = $1`, [u.id])).toHaveLength(1);
  });
});
