import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type CreateCouponInput } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createHarness, failure, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('cartcoupon');
});
afterAll(() => h?.close());

let n = 0;
async function coupon(input: Partial<CreateCouponInput> = {}) {
  return h.coupons.create({ code: `cc${Date.now().toString(36)}${n++}`, kind: 'FIXED', value: 500, ...input }, null);
}

/** A customer with two lines: 2 × 1000 and 1 × 1100 (selected amount 3100). */
async function filled(c = h.user()) {
  const [a, b] = await h.skus(2, { stock: 20 });
  await c.addItem({ skuId: a, quantity: 2 });
  const cart = await c.addItem({ skuId: b, quantity: 1 });
  return { c, cart, lineA: cart.items.find((i) => i.skuId === a)! };
}

describe('cart.applyCoupon / cart.removeCoupon', () => {
  it('shows discountAmount and payableAmount; the code stays while it does not apply, with the reason', async () => {
    const { c, lineA } = await filled();
    const fixed = await coupon({ minSpend: 2000 });
    let cart = await c.applyCoupon({ code: fixed.code.toLowerCase() });
    expect(cart).toMatchObject({
      selectedAmount: 3100,
      discountAmount: 500,
      payableAmount: 2600,
      coupon: { code: fixed.code, valid: true, reason: null, discount: 500 },
    });
    expect(await c.get()).toEqual(cart);

    // Deselecting below the minimum spend: no discount, the code kept with its reason.
    cart = await c.select({ itemIds: [lineA.id], selected: false });
    expect(cart).toMatchObject({
      selectedAmount: 1100,
      discountAmount: 0,
      payableAmount: 1100,
      coupon: { code: fixed.code, valid: false, reason: 'min_spend', discount: 0 },
    });
    cart = await c.select({ itemIds: [lineA.id], selected: true });
    expect(cart).toMatchObject({ discountAmount: 500, payableAmount: 2600 });

    cart = await c.removeCoupon();
    expect(cart).toMatchObject({ discountAmount: 0, payableAmount: 3100, coupon: null });
    expect(await c.get()).toEqual(cart);
    const reasons = await h.q<{ reason: string }>(
      `SELECT data ->> 'reason' AS reason FROM platform.outbox WHERE type = $1 AND data -> 'owner' ->> 'id' = $2 ORDER BY seq`,
      [EVENTS.cart.changed, c.id],
    );
    expect(reasons.map((r) => r.reason)).toEqual(['add', 'add', 'coupon', 'select', 'select', 'coupon']);
  });

  it('PERCENT of the selected amount; a FIXED larger than the selected amount is capped at it', async () => {
    const { c } = await filled();
    const pct = await coupon({ kind: 'PERCENT', value: 15 });
    expect(await c.applyCoupon({ code: pct.code })).toMatchObject({ discountAmount: 465, payableAmount: 2635 });
    const big = await coupon({ value: 1_000_000 });
    expect(await c.applyCoupon({ code: big.code })).toMatchObject({
      discountAmount: 3100,
      payableAmount: 0,
      coupon: { discount: 3100 },
    });
  });

  it('an invalid code is COUPON_INVALID (BAD_REQUEST) with details.reason, and the cart is unchanged', async () => {
    const { c } = await filled();
    const good = await coupon();
    const before = await c.applyCoupon({ code: good.code });
    const missing = await failure(h, c.applyCoupon({ code: 'NO-SUCH' }));
    expect(missing).toMatchObject({
      code: 'BAD_REQUEST',
      appCode: 'COUPON_INVALID',
      details: { reason: 'not_found', code: 'NO-SUCH' },
    });
    const min = await coupon({ minSpend: 5000 });
    expect((await failure(h, c.applyCoupon({ code: min.code }))).details).toMatchObject({
      reason: 'min_spend',
      minSpend: 5000,
      selectedAmount: 3100,
    });
    const later = await coupon();
    await h.db.query(`UPDATE pricing.coupons SET starts_at = now() + interval '1 day' WHERE id = $1`, {
      bind: [later.id],
    });
    expect((await failure(h, c.applyCoupon({ code: later.code }))).details).toMatchObject({ reason: 'not_started' });
    const over = await coupon({ startsAt: '2020-01-01T00:00:00Z', endsAt: '2020-02-01T00:00:00Z' });
    expect((await failure(h, c.applyCoupon({ code: over.code }))).details).toMatchObject({ reason: 'expired' });
    expect(await c.get()).toEqual(before);
    expect((await failure(h, c.applyCoupon({ code: '' }))).data.zodError?.fieldErrors.code).toBeDefined();
  });

  it('a coupon used up elsewhere shows limit_reached; a customer past the per-user limit shows user_limit', async () => {
    const { c } = await filled();
    const one = await coupon({ usageLimit: 1 });
    await c.applyCoupon({ code: one.code });
    await h.db.transaction((tx) =>
      h.coupons.redeem(one.code, { userId: newId(), orderId: newId(), selectedAmount: 5000 }, tx),
    );
    expect(await c.get()).toMatchObject({
      discountAmount: 0,
      payableAmount: 3100,
      coupon: { code: one.code, valid: false, reason: 'limit_reached' },
    });

    const mine = await coupon({ perUserLimit: 1 });
    await c.applyCoupon({ code: mine.code });
    await h.db.transaction((tx) =>
      h.coupons.redeem(mine.code, { userId: c.id, orderId: newId(), selectedAmount: 5000 }, tx),
    );
    expect((await c.get()).coupon).toEqual({ code: mine.code, valid: false, reason: 'user_limit', discount: 0 });
  });

  it('a coupon an admin disables shows as disabled at once and cannot be applied again', async () => {
    const { c } = await filled();
    const withdrawn = await coupon();
    expect((await c.applyCoupon({ code: withdrawn.code })).coupon).toMatchObject({ valid: true, discount: 500 });
    await h.coupons.disable(withdrawn.code, null);
    expect(await c.get()).toMatchObject({
      discountAmount: 0,
      payableAmount: 3100,
      coupon: { code: withdrawn.code, valid: false, reason: 'disabled', discount: 0 },
    });
    const e = await failure(h, c.applyCoupon({ code: withdrawn.code }));
    expect([e.code, e.data.appCode, e.data.details]).toEqual([
      'BAD_REQUEST',
      'COUPON_INVALID',
      { reason: 'disabled', code: withdrawn.code },
    ]);
  });

  it('a guest can apply a coupon before adding anything; clear takes it away with the cart', async () => {
    const g = h.guest();
    const free = await coupon({ kind: 'PERCENT', value: 10 });
    const empty = await g.applyCoupon({ code: free.code });
    expect(empty.id).not.toBeNull();
    expect(empty).toMatchObject({
      items: [],
      discountAmount: 0,
      coupon: { code: free.code, valid: true, discount: 0 },
    });
    const [a] = await h.skus(1, { price: 999 });
    // 10 % of 999 is 99.9: rounded down.
    expect(await g.addItem({ skuId: a, quantity: 1 })).toMatchObject({
      selectedAmount: 999,
      discountAmount: 99,
      payableAmount: 900,
    });
    expect(await g.clear()).toMatchObject({ id: null, coupon: null });
    expect((await g.addItem({ skuId: a, quantity: 1 })).coupon).toBeNull();
  });
});

describe('merge at login', () => {
  it("keeps the user's coupon; a user cart without one takes the guest's", async () => {
    const [a] = await h.skus(1);
    const gc = await coupon();
    const uc = await coupon({ value: 300 });

    const user = h.user();
    const guest = h.guest();
    await guest.addItem({ skuId: a, quantity: 1 });
    await guest.applyCoupon({ code: gc.code });
    await h.cart.mergeGuestCart(user.id, guest.id);
    expect((await user.get()).coupon).toMatchObject({ code: gc.code, valid: true, discount: 500 });

    const user2 = h.user();
    await user2.addItem({ skuId: a, quantity: 1 });
    await user2.applyCoupon({ code: uc.code });
    const guest2 = h.guest();
    await guest2.addItem({ skuId: a, quantity: 1 });
    await guest2.applyCoupon({ code: gc.code });
    await h.cart.mergeGuestCart(user2.id, guest2.id);
    expect(await user2.get()).toMatchObject({ selectedAmount: 2000, discountAmount: 300, coupon: { code: uc.code } });
  });
});
