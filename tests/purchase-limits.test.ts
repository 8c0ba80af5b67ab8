import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, startTestBff, type TestBff } from './support/bff';

/**
 * Purchase limits over HTTP with the whole shop (issue 21, item 1): a SKU's limit bounds one
 * customer's cart plus their orders not cancelled nor refunded in full (within its window); adds,
 * quantity changes, merges, their preview and checkout are held to it; parallel requests of one
 * customer cannot pass it together.
 */
describe('purchase limits', () => {
  let bff: TestBff;
  let admin: ShopClient;
  let categoryId: string;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'limits', jobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
    admin = await adminClient(bff);
    categoryId = (await admin.catalog.admin.createCategory.mutate({ name: `限购 ${newId().slice(-6)}` })).id;
  }, 120_000);
  afterAll(() => bff?.close(), 120_000);

  /** A published product with one SKU (stock 1000) and the given limit; the SKU's and product's ids. */
  async function limitedSku(purchaseLimit: { limit: number; startsAt?: string; endsAt?: string } | null) {
    const p = await admin.catalog.admin.createProduct.mutate({
      name: `限购商品 ${newId().slice(-6)}`,
      categoryId,
      skus: [{ code: `PL-${newId().slice(-12)}`, spec: { v: '1' }, price: 1_000, initialStock: 1_000, purchaseLimit }],
    });
    await admin.catalog.admin.publish.mutate({ id: p.id });
    return { skuId: p.skus[0].id, productId: p.id, admin: p.skus[0] };
  }

  const refusal = (details: Record<string, unknown>) => ({
    data: { code: 'CONFLICT', httpStatus: 409, appCode: 'PURCHASE_LIMIT', details },
  });

  async function pay(me: ShopClient, orderId: string) {
    const payment = await me.payment.create.mutate({ orderId, channel: 'sandbox_alipay', idempotencyKey: newId() });
    const approved = await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    return payment;
  }

  it('the limit is shown, set and cleared; bad input is BAD_REQUEST naming the field', async () => {
    const { skuId, productId, admin: adminSku } = await limitedSku({ limit: 3 });
    const shown = { limit: 3, startsAt: null, endsAt: null };
    expect(adminSku.purchaseLimit).toEqual(shown);
    const anon = createShopClient(bff.url);
    expect((await anon.catalog.skus.query({ ids: [skuId] }))[0].purchaseLimit).toEqual(shown);
    expect((await anon.catalog.product.query({ id: productId })).skus[0].purchaseLimit).toEqual(shown);

    const startsAt = '2026-01-01T00:00:00.000Z';
    const endsAt = '2099-01-01T00:00:00.000Z';
    const set = await admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: 5, startsAt, endsAt });
    expect(set.purchaseLimit).toEqual({ limit: 5, startsAt, endsAt });
    // The public views show it at once (their cache entries were dropped).
    expect((await anon.catalog.skus.query({ ids: [skuId] }))[0].purchaseLimit).toEqual({ limit: 5, startsAt, endsAt });
    expect((await anon.catalog.product.query({ id: productId })).skus[0].purchaseLimit).toEqual({
      limit: 5,
      startsAt,
      endsAt,
    });
    // updateProduct changes it through the SKU input, null removes it.
    const updated = await admin.catalog.admin.updateProduct.mutate({
      id: productId,
      skus: [{ id: skuId, purchaseLimit: { limit: 2 } }],
    });
    expect(updated.skus[0].purchaseLimit).toEqual({ limit: 2, startsAt: null, endsAt: null });
    const cleared = await admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: null, startsAt, endsAt });
    expect(cleared.purchaseLimit).toBeNull();
    expect((await anon.catalog.skus.query({ ids: [skuId] }))[0].purchaseLimit).toBeNull();

    await expect(
      admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: 2, startsAt: endsAt, endsAt: startsAt }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { endsAt: expect.any(Array) } } },
    });
    await expect(admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: 0 })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { limit: expect.any(Array) } } },
    });
    await expect(admin.catalog.admin.setPurchaseLimit.mutate({ skuId: newId(), limit: 2 })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND', appCode: 'SKU_NOT_FOUND' },
    });
  });

  it('adds, quantity changes and checkout count the cart plus orders not cancelled nor refunded in full', async () => {
    const { skuId } = await limitedSku({ limit: 3 });
    const { client: me, addressId } = await buyer(bff);
    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    await expect(me.cart.addItem.mutate({ skuId, quantity: 2 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 0, inCart: 2, requested: 2 }),
    );
    const [line] = (await me.cart.get.query()).items;
    expect(line.quantity).toBe(2);
    await expect(me.cart.updateQuantity.mutate({ itemId: line.id, quantity: 4 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 0, inCart: 2, requested: 4 }),
    );
    await me.cart.updateQuantity.mutate({ itemId: line.id, quantity: 3 });

    const first = await me.order.checkout.mutate({ addressId, idempotencyKey: newId() });
    expect(first.items[0].quantity).toBe(3);
    await expect(me.cart.addItem.mutate({ skuId, quantity: 1 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 3, inCart: 0, requested: 1 }),
    );
    // A cancelled order no longer counts.
    await me.order.cancel.mutate({ id: first.id });
    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    const second = await me.order.checkout.mutate({ addressId, idempotencyKey: newId() });
    await expect(me.cart.addItem.mutate({ skuId, quantity: 2 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 2, inCart: 0, requested: 2 }),
    );
    // Paid, then one unit refunded: it counts 1; refunded in full: nothing.
    const payment = await pay(me, second.id);
    await admin.payment.admin.refund.mutate({
      paymentId: payment.id,
      amount: 1_000,
      items: [{ skuId, quantity: 1 }],
      reason: 'one returned',
      idempotencyKey: newId(),
    });
    await expect(me.cart.addItem.mutate({ skuId, quantity: 3 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 1, inCart: 0, requested: 3 }),
    );
    await admin.payment.admin.refund.mutate({
      paymentId: payment.id,
      amount: 1_000,
      items: [{ skuId, quantity: 1 }],
      reason: 'the other returned',
      idempotencyKey: newId(),
    });
    expect((await me.order.get.query({ id: second.id })).refundStatus).toBe('full');
    await me.cart.addItem.mutate({ skuId, quantity: 3 });

    // A limit lowered below what the cart holds: checkout refuses it (the cart keeps the line).
    await admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: 2 });
    await expect(me.order.checkout.mutate({ addressId, idempotencyKey: newId() })).rejects.toMatchObject(
      refusal({ skuId, limit: 2, alreadyBought: 0, inCart: 3, requested: 3 }),
    );
    expect((await me.cart.get.query()).items.map((i) => i.quantity)).toEqual([3]);
    // Lowering the line is always allowed.
    const [l3] = (await me.cart.get.query()).items;
    await me.cart.updateQuantity.mutate({ itemId: l3.id, quantity: 2 });
    await me.order.checkout.mutate({ addressId, idempotencyKey: newId() });
  });

  it('a window: only orders placed in it count, and outside it there is no limit', async () => {
    const { skuId } = await limitedSku(null);
    const { client: me, addressId } = await buyer(bff);
    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    const before = await me.order.checkout.mutate({ addressId, idempotencyKey: newId() });
    // In force since just after that order: it does not count.
    const startsAt = new Date(Date.parse(before.createdAt) + 1).toISOString();
    await admin.catalog.admin.setPurchaseLimit.mutate({ skuId, limit: 2, startsAt });
    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    await expect(me.cart.addItem.mutate({ skuId, quantity: 1 })).rejects.toMatchObject(
      refusal({ skuId, limit: 2, alreadyBought: 0, inCart: 2, requested: 1 }),
    );
    // A window that has not started yet: no limit now.
    await admin.catalog.admin.setPurchaseLimit.mutate({
      skuId,
      limit: 1,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await me.cart.addItem.mutate({ skuId, quantity: 3 });
    // One that is over: none either.
    await admin.catalog.admin.setPurchaseLimit.mutate({
      skuId,
      limit: 1,
      startsAt: '2020-01-01T00:00:00.000Z',
      endsAt: '2020-02-01T00:00:00.000Z',
    });
    await me.cart.addItem.mutate({ skuId, quantity: 1 });
    expect((await me.cart.get.query()).items[0].quantity).toBe(6);
  });

  it('a guest cart holds up to the limit; the merge and its preview cap it by what the account bought', async () => {
    const { skuId } = await limitedSku({ limit: 3 });
    const anon = createShopClient(bff.url);
    const { token: guestToken } = await anon.auth.guest.mutate({});
    const guest = createShopClient(bff.url, { token: guestToken });
    await guest.cart.addItem.mutate({ skuId, quantity: 3 });
    await expect(guest.cart.addItem.mutate({ skuId, quantity: 1 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 0, inCart: 3, requested: 1 }),
    );

    const email = `limit.${newId().slice(-8)}@example.com`;
    const reg = await anon.auth.register.mutate({ email, password: 'a long password', name: 'L', merge: 'none' });
    const me = createShopClient(bff.url, { token: reg.token });
    const address = await me.address.create.mutate({
      receiver: '买家',
      phone: '13800138000',
      province: '浙江省',
      city: '杭州市',
      district: '西湖区',
      detail: '1 号',
    });
    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    await me.order.checkout.mutate({ addressId: address.id, idempotencyKey: newId() });

    const preview = await me.cart.mergePreview.query({ guestToken });
    expect(preview.items.map((i) => [i.skuId, i.quantityBefore, i.quantityAfter, i.requested, i.capped])).toEqual([
      [skuId, 0, 1, 3, 'purchase_limit'],
    ]);
    const login = await anon.auth.login.mutate({ email, password: 'a long password', guestToken });
    expect(login.merge).toEqual({ lines: preview.lines, capped: preview.capped });
    expect(login.merge!.capped).toEqual([{ skuId, requested: 3, quantity: 1, reason: 'purchase_limit' }]);
    expect((await me.cart.get.query()).items.map((i) => [i.skuId, i.quantity])).toEqual([[skuId, 1]]);
    await expect(me.cart.addItem.mutate({ skuId, quantity: 1 })).rejects.toMatchObject(
      refusal({ skuId, limit: 3, alreadyBought: 2, inCart: 1, requested: 1 }),
    );
  });

  it('two checkouts of one customer on two carts that count at once: the customer lock makes the second see the first', async () => {
    // The cart row cannot order these two: checkout A was prepared from a cart that was then
    // cleared, and B checks out the new one. A is held before its transaction locks anything (its
    // idempotency key's row is held by the test), the clear and the new cart happen, then both are
    // held at the coupon row — the last lock of the order, after their counts. Without the
    // customer's lock both count nothing bought and both order; with it, B waits for A and is refused.
    const { skuId } = await limitedSku({ limit: 2 });
    const { client: me, addressId } = await buyer(bff);
    const me2 = await me.auth.me.query();
    const userId = 'id' in me2 ? me2.id : '';
    const code = `LIM${newId().slice(-8).toUpperCase()}`;
    await admin.pricing.admin.createCoupon.mutate({ code, kind: 'FIXED', value: 1 });
    const db = bff.env.platform.db;
    const waiters = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          { type: QueryTypes.SELECT },
        )
      )[0].n;
    const untilWaiting = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while ((await waiters()) < n) {
        if (Date.now() > deadline) throw new Error(`never ${n} waiting`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const settle = (p: Promise<{ id: string }>) =>
      p.then(
        (o) => ({ ok: true as const, id: o.id }),
        (e: { data?: { appCode?: string; details?: unknown } }) => ({
          ok: false as const,
          appCode: e.data?.appCode,
          details: e.data?.details,
        }),
      );

    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    const keyA = newId();
    const holdKey = await db.transaction();
    const holdCoupon = await db.transaction();
    try {
      await db.query(`INSERT INTO platform.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, 'held')`, {
        bind: [`user:${userId}:order.checkout`, keyA],
        transaction: holdKey,
      });
      const a = settle(me.order.checkout.mutate({ addressId, couponCode: code, idempotencyKey: keyA }));
      await untilWaiting(1);
      await me.cart.clear.mutate();
      await me.cart.addItem.mutate({ skuId, quantity: 2 });
      await db.query(`SELECT 1 FROM pricing.coupons WHERE code = $1 FOR UPDATE`, {
        bind: [code],
        transaction: holdCoupon,
      });
      await holdKey.rollback();
      const b = settle(me.order.checkout.mutate({ addressId, couponCode: code, idempotencyKey: newId() }));
      await untilWaiting(2);
      await holdCoupon.rollback();
      const results = await Promise.all([a, b]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([
        {
          ok: false,
          appCode: 'PURCHASE_LIMIT',
          details: { skuId, limit: 2, alreadyBought: 2, inCart: 2, requested: 2 },
        },
      ]);
    } finally {
      await holdKey.rollback().catch(() => undefined);
      await holdCoupon.rollback().catch(() => undefined);
    }
    const orders = (await me.order.list.query()).items.filter((o) => o.status !== 'cancelled');
    expect(orders.flatMap((o) => o.items).reduce((n, i) => n + i.quantity, 0)).toBe(2);
  }, 120_000);

  it('parallel adds, clears and checkouts of one customer never take them past the limit', async () => {
    const LIMIT = 3;
    const { skuId } = await limitedSku({ limit: LIMIT });
    const { client: me, addressId } = await buyer(bff);
    const bought = async () =>
      bff.env.platform.db.query<{ units: number }>(
        `SELECT coalesce(sum(i.quantity), 0)::int AS units FROM "order".order_items i
           JOIN "order".orders o ON o.id = i.order_id WHERE i.sku_id = $1 AND o.status <> 'cancelled'`,
        { bind: [skuId], type: QueryTypes.SELECT },
      );
    const outcomes = new Map<string, number>();
    const tally = (p: Promise<unknown>) =>
      p.then(
        () => outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1),
        (e: { data?: { appCode?: string } }) => {
          const code = e.data?.appCode ?? String(e);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        },
      );
    for (let round = 0; round < 8; round++) {
      await Promise.all([
        ...Array.from({ length: 6 }, () => tally(me.cart.addItem.mutate({ skuId, quantity: 1 }))),
        ...Array.from({ length: 4 }, () => tally(me.order.checkout.mutate({ addressId, idempotencyKey: newId() }))),
        ...(round % 2 ? [tally(me.cart.clear.mutate())] : []),
      ]);
      const [{ units }] = await bought();
      // What is bought never passes the limit, nor does the cart alone. (Cart plus orders can,
      // briefly: a checkout counts the customer's orders, not the new cart an add filled while a
      // clear left the checkout's lines behind. A checkout whose lines another checkout bought
      // meanwhile is refused, CART_ITEM_NOT_FOUND, and orders nothing.)
      const inCart = (await me.cart.get.query()).items.reduce((n, i) => n + i.quantity, 0);
      expect({ round, units, inCart }).toEqual({
        round,
        units: expect.toSatisfy((n: number) => n <= LIMIT),
        inCart: expect.toSatisfy((n: number) => n <= LIMIT),
      });
      // Cancel what was bought so the next round races again from nothing.
      for (const o of (await me.order.list.query({ status: 'pending_payment' })).items)
        await me.order.cancel.mutate({ id: o.id });
    }
    // The race was real: the limit refused adds or checkouts, and some went through.
    expect(outcomes.get('PURCHASE_LIMIT') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(
      [...outcomes.keys()].filter((k) => !['ok', 'PURCHASE_LIMIT', 'CART_EMPTY', 'CART_ITEM_NOT_FOUND'].includes(k)),
    ).toEqual([]);
  }, 180_000);
});
