import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, newId } from '@zjmall/platform';
import { callFailure } from '@zjmall/platform/testing';
import { createPricingHarness, type PricingHarness } from '../testing/harness';

let h: PricingHarness;
beforeAll(async () => {
  h = await createPricingHarness('couponadmin');
});
afterAll(() => h?.close());

let n = 0;
const code = (p = 'A') => `${p}${Date.now().toString(36)}${n++}`.toUpperCase();
const redeem = (c: string, userId: string, selectedAmount: number, orderId = newId()) =>
  h.db.transaction((tx) => h.coupons.redeem(c, { userId, orderId, selectedAmount }, tx));

describe('pricing.admin.coupons', () => {
  it('lists every coupon newest first with its terms and use counts, disabled ones too, page by page', async () => {
    const a = await h.admin.createCoupon({ code: code(), kind: 'FIXED', value: 500, usageLimit: 10 });
    const b = await h.admin.createCoupon({ code: code(), kind: 'PERCENT', value: 10, perUserLimit: 1 });
    const c = await h.admin.createCoupon({ code: code(), kind: 'FIXED', value: 100 });
    await redeem(a.code, newId(), 1000);
    await redeem(a.code, newId(), 1000);
    await h.admin.disableCoupon({ code: b.code });

    const first = await h.admin.coupons({ limit: 2 });
    expect(first.items.map((x) => x.code)).toEqual([c.code, b.code]);
    expect(first.items[1]).toMatchObject({ kind: 'PERCENT', value: 10, perUserLimit: 1, usedCount: 0 });
    expect(first.items[1].disabledAt).not.toBeNull();
    expect(first.items[0].disabledAt).toBeNull();
    const second = await h.admin.coupons({ limit: 2, cursor: first.nextCursor! });
    expect(second.items).toEqual([{ ...a, usedCount: 2 }]);
    expect(second.nextCursor).toBeNull();
    expect((await h.admin.coupons()).items.map((x) => x.code)).toEqual([c.code, b.code, a.code]);

    const bad = await callFailure(h.admin.coupons({ cursor: 'nope' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.data.zodError?.fieldErrors.cursor).toBeDefined();
    const customer = await callFailure(h.caller('customer').pricing.admin.coupons());
    expect([customer.code, customer.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('pricing.admin.disableCoupon', () => {
  it('makes a coupon apply nowhere: quote and redeem refuse it (COUPON_INVALID, reason disabled), the cached check shows it at once', async () => {
    const made = await h.admin.createCoupon({ code: code(), kind: 'FIXED', value: 300 });
    const user = newId();
    expect(await h.coupons.check(made.code, { userId: user, selectedAmount: 1000 })).toMatchObject({
      valid: true,
      discount: 300,
    }); // cached

    const disabled = await h.admin.disableCoupon({ code: made.code.toLowerCase() });
    expect(disabled).toMatchObject({ ...made, disabledAt: expect.any(String) });
    expect(await h.admin.coupon({ code: made.code })).toEqual(disabled);
    expect(await h.coupons.check(made.code, { userId: user, selectedAmount: 1000 })).toEqual({
      code: made.code,
      valid: false,
      reason: 'disabled',
      discount: 0,
    });
    for (const call of [
      h.coupons.quote(made.code, { userId: user, selectedAmount: 1000 }),
      redeem(made.code, user, 1000),
    ]) {
      const e = await call.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(DomainError);
      expect([(e as DomainError).appCode, (e as DomainError).details]).toEqual([
        'COUPON_INVALID',
        { reason: 'disabled', code: made.code },
      ]);
    }
    expect((await h.admin.coupon({ code: made.code }))?.usedCount).toBe(0);

    // A repeat changes nothing (the first time is kept).
    expect(await h.admin.disableCoupon({ code: made.code })).toEqual(disabled);
  });

  it('answers COUPON_NOT_FOUND for an unknown code, BAD_REQUEST for an empty one, FORBIDDEN to a customer', async () => {
    const unknown = await callFailure(h.admin.disableCoupon({ code: 'NO-SUCH-CODE' }));
    expect([unknown.code, unknown.data.appCode]).toEqual(['NOT_FOUND', 'COUPON_NOT_FOUND']);
    const empty = await callFailure(h.admin.disableCoupon({ code: '  ' }));
    expect(empty.data.zodError?.fieldErrors.code).toBeDefined();
    const made = await h.admin.createCoupon({ code: code(), kind: 'FIXED', value: 1 });
    const customer = await callFailure(h.caller('customer').pricing.admin.disableCoupon({ code: made.code }));
    expect([customer.code, customer.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect((await h.admin.coupon({ code: made.code }))?.disabledAt).toBeNull();
  });
});
