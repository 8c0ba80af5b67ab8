import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCouponInput } from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import { callFailure } from '@zjmall/platform/testing';
import { createPricingHarness, type PricingHarness } from '../testing/harness';
import { discountOf } from './coupon.rules';

let h: PricingHarness;
beforeAll(async () => {
  h = await createPricingHarness('coupons');
});
afterAll(() => h?.close());

let n = 0;
const code = (p = 'C') => `${p}${Date.now().toString(36)}${n++}`.toUpperCase();
const create = (input: Partial<CreateCouponInput> = {}) =>
  h.admin.createCoupon({ code: code(), kind: 'FIXED', value: 500, ...input });

/** The COUPON_INVALID a call must throw: its details ({reason, code, …}). */
async function invalid(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const e = await call.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected COUPON_INVALID, got ${String(e)}`);
  expect(e.appCode).toBe('COUPON_INVALID');
  return e.details as Record<string, unknown>;
}

const redeem = (c: string, userId: string, selectedAmount: number, orderId = newId()) =>
  h.db.transaction((tx) => h.coupons.redeem(c, { userId, orderId, selectedAmount }, tx));

describe('pricing.admin.createCoupon / coupon', () => {
  it('creates FIXED and PERCENT coupons; codes are case-insensitive (stored upper case)', async () => {
    const raw = `spring-${newId().slice(-8)}`;
    const made = await h.admin.createCoupon({
      code: raw,
      kind: 'PERCENT',
      value: 15,
      minSpend: 10_000,
      usageLimit: 100,
      perUserLimit: 2,
    });
    expect(made).toMatchObject({
      code: raw.toUpperCase(),
      kind: 'PERCENT',
      value: 15,
      minSpend: 10_000,
      usageLimit: 100,
      perUserLimit: 2,
      usedCount: 0,
      startsAt: null,
      endsAt: null,
    });
    expect(await h.admin.coupon({ code: raw.toLowerCase() })).toEqual(made);
    expect(await h.admin.coupon({ code: 'NO-SUCH-CODE' })).toBeNull();
    const dup = await callFailure(h.admin.createCoupon({ code: raw.toUpperCase(), kind: 'FIXED', value: 1 }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.data.zodError?.fieldErrors.code).toBeDefined();
  });

  it('refuses bad input naming the field, and non-admins', async () => {
    const pct = await callFailure(h.admin.createCoupon({ code: code(), kind: 'PERCENT', value: 101 }));
    expect([pct.code, Object.keys(pct.data.zodError?.fieldErrors ?? {})]).toEqual(['BAD_REQUEST', ['value']]);
    const win = await callFailure(create({ startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }));
    expect(Object.keys(win.data.zodError?.fieldErrors ?? {})).toEqual(['endsAt']);
    for (const bad of [
      { value: 0 },
      { value: 1.5 },
      { minSpend: -1 },
      { usageLimit: 0 },
      { perUserLimit: 0 },
      { code: 'a b' },
    ]) {
      const e = await callFailure(create(bad));
      expect(e.code).toBe('BAD_REQUEST');
      expect(Object.keys(e.data.zodError?.fieldErrors ?? {})).toEqual([Object.keys(bad)[0]]);
    }
    const customer = await callFailure(
      h.caller('customer').pricing.admin.createCoupon({ code: code(), kind: 'FIXED', value: 1 }),
    );
    expect(customer.data.appCode).toBe('FORBIDDEN');
  });
});

describe('amounts', () => {
  it('FIXED is capped at the amount; PERCENT is rounded down to the minor unit, exactly on large amounts', () => {
    expect(discountOf('FIXED', 500, 2000)).toBe(500);
    expect(discountOf('FIXED', 5000, 1999)).toBe(1999);
    expect(discountOf('PERCENT', 15, 999)).toBe(149); // 149.85
    expect(discountOf('PERCENT', 33, 1)).toBe(0);
    expect(discountOf('PERCENT', 100, 12_345)).toBe(12_345);
    expect(discountOf('PERCENT', 37, 9_007_199_254_740_991)).toBe(3_332_663_724_254_166); // floor(…·0.37), past 2^53/37
    expect(discountOf('FIXED', 500, 0)).toBe(0);
  });

  it('quote answers the discount on the selected amount', async () => {
    const fixed = await create({ value: 800 });
    const pct = await create({ kind: 'PERCENT', value: 15 });
    expect(await h.coupons.quote(fixed.code.toLowerCase(), { selectedAmount: 5000 })).toEqual({
      code: fixed.code,
      discount: 800,
    });
    expect(await h.coupons.quote(fixed.code, { selectedAmount: 300 })).toEqual({ code: fixed.code, discount: 300 });
    expect(await h.coupons.quote(` ${pct.code} `, { selectedAmount: 999 })).toEqual({ code: pct.code, discount: 149 });
  });
});

describe('COUPON_INVALID reasons (database clock)', () => {
  it('not_found, not_started, expired, min_spend', async () => {
    expect(await invalid(h.coupons.quote('NOPE-404', { selectedAmount: 100 }))).toEqual({
      reason: 'not_found',
      code: 'NOPE-404',
    });
    const later = await create();
    const over = await create();
    // Windows set by the database's clock: the process clock plays no part.
    await h.db.query(`UPDATE pricing.coupons SET starts_at = now() + interval '1 hour' WHERE id = $1`, {
      bind: [later.id],
    });
    await h.db.query(
      `UPDATE pricing.coupons SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 second' WHERE id = $1`,
      { bind: [over.id] },
    );
    expect(await invalid(h.coupons.quote(later.code, { selectedAmount: 100 }))).toMatchObject({
      reason: 'not_started',
      code: later.code,
    });
    expect(await invalid(h.coupons.quote(over.code, { selectedAmount: 100 }))).toMatchObject({ reason: 'expired' });
    expect(await invalid(redeem(over.code, newId(), 100))).toMatchObject({ reason: 'expired' });
    const min = await create({ minSpend: 1000 });
    expect(await invalid(h.coupons.quote(min.code, { selectedAmount: 999 }))).toEqual({
      reason: 'min_spend',
      code: min.code,
      minSpend: 1000,
      selectedAmount: 999,
    });
    expect(await h.coupons.quote(min.code, { selectedAmount: 1000 })).toEqual({ code: min.code, discount: 500 });
    expect(await invalid(redeem(min.code, newId(), 999))).toMatchObject({ reason: 'min_spend' });
    expect((await h.admin.coupon({ code: min.code }))!.usedCount).toBe(0);
  });

  it('limit_reached and user_limit; release gives a use back once', async () => {
    const one = await create({ usageLimit: 1 });
    const alice = newId();
    const orderId = newId();
    expect(await redeem(one.code, alice, 2000, orderId)).toEqual({ code: one.code, discount: 500 });
    expect(await invalid(h.coupons.quote(one.code, { selectedAmount: 2000 }))).toMatchObject({
      reason: 'limit_reached',
      usageLimit: 1,
    });
    expect(await invalid(redeem(one.code, newId(), 2000))).toMatchObject({ reason: 'limit_reached' });
    expect(await h.db.transaction((tx) => h.coupons.release(orderId, tx))).toBe(true);
    expect(await h.db.transaction((tx) => h.coupons.release(orderId, tx))).toBe(false);
    expect((await h.admin.coupon({ code: one.code }))!.usedCount).toBe(0);
    const uses = await h.q<{ status: string; released_at: Date | null }>(
      `SELECT status, released_at FROM pricing.coupon_uses WHERE order_id = $1`,
      [orderId],
    );
    expect(uses).toEqual([{ status: 'released', released_at: expect.any(Date) }]);
    await redeem(one.code, newId(), 2000); // usable again

    const perUser = await create({ perUserLimit: 1 });
    await redeem(perUser.code, alice, 2000);
    expect(await invalid(h.coupons.quote(perUser.code, { userId: alice, selectedAmount: 2000 }))).toMatchObject({
      reason: 'user_limit',
      perUserLimit: 1,
    });
    expect(await invalid(redeem(perUser.code, alice, 2000))).toMatchObject({ reason: 'user_limit' });
    expect(await h.coupons.quote(perUser.code, { userId: newId(), selectedAmount: 2000 })).toMatchObject({
      discount: 500,
    });
    expect(await h.coupons.check(perUser.code, { userId: alice, selectedAmount: 2000 })).toEqual({
      code: perUser.code,
      valid: false,
      reason: 'user_limit',
      discount: 0,
    });
    expect((await h.admin.coupon({ code: perUser.code }))!.usedCount).toBe(1);
  });
});

describe('concurrency', () => {
  it('a coupon limited to 10 uses, 30 concurrent redeems: exactly 10 succeed', async () => {
    const c = await create({ usageLimit: 10 });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => redeem(c.code, newId(), 5000)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as DomainError).details).toMatchObject({ reason: 'limit_reached' });
    expect((await h.admin.coupon({ code: c.code }))!.usedCount).toBe(10);
    expect(
      await h.q(`SELECT 1 FROM pricing.coupon_uses WHERE coupon_id = $1 AND status = 'used'`, [c.id]),
    ).toHaveLength(10);
  });

  it('one customer with a per-user limit of 2, 6 concurrent redeems: exactly 2 succeed', async () => {
    const c = await create({ perUserLimit: 2 });
    const bob = newId();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => redeem(c.code, bob, 5000)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect((await h.admin.coupon({ code: c.code }))!.usedCount).toBe(2);
  });
});

describe('check (the cached judgement cart reads use)', () => {
  it('follows uses at once, and the window on the database clock without any write', async () => {
    const c = await create({ usageLimit: 1 });
    expect(await h.coupons.check(c.code, { selectedAmount: 1000 })).toEqual({
      code: c.code,
      valid: true,
      reason: null,
      discount: 500,
    });
    const orderId = newId();
    await redeem(c.code, newId(), 1000, orderId);
    expect(await h.coupons.check(c.code, { selectedAmount: 1000 })).toMatchObject({
      valid: false,
      reason: 'limit_reached',
    });
    await h.db.transaction((tx) => h.coupons.release(orderId, tx));
    expect(await h.coupons.check(c.code, { selectedAmount: 1000 })).toMatchObject({ valid: true, discount: 500 });

    // Ends 1.5 s from the database's now: the cached verdict lapses at that instant.
    const [{ ends }] = await h.q<{ ends: string }>(
      `SELECT to_json(now() + interval '1500 milliseconds') #>> '{}' AS ends`,
    );
    const soon = await create({ endsAt: new Date(ends).toISOString() });
    expect(await h.coupons.check(soon.code, { selectedAmount: 1000 })).toMatchObject({ valid: true });
    await new Promise((r) => setTimeout(r, 1700));
    expect(await h.coupons.check(soon.code, { selectedAmount: 1000 })).toMatchObject({
      valid: false,
      reason: 'expired',
    });
    // An unknown code that is created later is found at once (the cached "not found" is dropped).
    const later = code();
    expect(await h.coupons.check(later, { selectedAmount: 1000 })).toMatchObject({ valid: false, reason: 'not_found' });
    await h.admin.createCoupon({ code: later, kind: 'FIXED', value: 100 });
    expect(await h.coupons.check(later, { selectedAmount: 1000 })).toMatchObject({ valid: true, discount: 100 });
  });
});
