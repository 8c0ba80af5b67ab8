import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type OrderRefundedV2, type OrderShippedV1, type OrderStatusChange } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createPaymentHarness, failure, type PaymentHarness } from './testing/harness';

let h: PaymentHarness;
let admin: Awaited<ReturnType<PaymentHarness['admin']>>;
beforeAll(async () => {
  h = await createPaymentHarness('payrefund');
  admin = await h.admin();
});
afterAll(() => h?.close());

async function paid(opts: Parameters<PaymentHarness['ordered']>[0] = {}) {
  const x = await h.ordered(opts);
  expect((await h.approve(x.payment.id)).statusCode).toBe(200);
  return x;
}

describe('payment.admin.refund', () => {
  it('partial then full: items back on hand (ledger IN, ref ORDER), the order stays paid with refunds partial then full', async () => {
    const { u, sku, order, payment } = await paid({ price: 1000, qty: 3, stock: 10 });
    expect(await h.stock(sku)).toEqual({ onHand: 7, reserved: 0 });
    const r1 = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one broken',
      idempotencyKey: h.key(),
    });
    expect(r1).toMatchObject({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      status: 'succeeded',
    });
    expect(await h.stock(sku)).toEqual({ onHand: 8, reserved: 0 });
    expect(await h.ledger(sku, 'IN')).toEqual(
      expect.arrayContaining([expect.objectContaining({ quantity: 1, ref_type: 'ORDER', ref_id: order.id })]),
    );
    expect(await u.api.order.get({ id: order.id })).toMatchObject({
      status: 'paid',
      refundStatus: 'partial',
      refundedAmount: 1000,
    });
    expect(await u.api.payment.get({ id: payment.id })).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 1000,
    });

    const over = await failure(
      h,
      admin.api.payment.admin.refund({
        paymentId: payment.id,
        amount: 2001,
        reason: 'too much',
        idempotencyKey: h.key(),
      }),
    );
    expect([over.code, over.data.appCode]).toEqual(['BAD_REQUEST', 'REFUND_EXCEEDS_PAID']);

    await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 2000,
      items: [{ skuId: sku, quantity: 2 }],
      reason: 'rest',
      idempotencyKey: h.key(),
    });
    const o = await u.api.order.get({ id: order.id });
    expect(o).toMatchObject({ status: 'paid', refundStatus: 'full', refundedAmount: 3000 });
    expect(o.items[0].refundedQuantity).toBe(3);
    expect(o.log.map((l) => [l.from, l.to, l.refundStatus])).toEqual([
      [null, 'pending_payment', null],
      ['pending_payment', 'paid', null],
      ['paid', 'paid', 'partial'],
      ['paid', 'paid', 'full'],
    ]);
    expect(await u.api.payment.get({ id: payment.id })).toMatchObject({ status: 'refunded', refundedAmount: 3000 });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    const refunded = await h.events<OrderRefundedV2>(EVENTS.order.refunded, order.id);
    expect(refunded.map((e) => [e.data.status, e.data.refundStatus, e.data.refundedAmount])).toEqual([
      ['paid', 'partial', 1000],
      ['paid', 'full', 3000],
    ]);
    expect(await h.events(EVENTS.payment.refunded, payment.id)).toHaveLength(2);
    const more = await failure(
      h,
      admin.api.payment.admin.refund({ paymentId: payment.id, amount: 1, reason: 'again', idempotencyKey: h.key() }),
    );
    expect(more.data.appCode).toBe('REFUND_EXCEEDS_PAID');
    // Everything paid was returned before shipping: nothing is left to ship.
    const ship = await failure(h, admin.api.order.admin.ship({ id: order.id, carrier: 'SF', trackingNo: '1' }));
    expect([ship.code, ship.data.appCode]).toEqual(['CONFLICT', 'ILLEGAL_TRANSITION']);
  });

  it('an order partly refunded before shipping still ships and completes (2 units paid, 1 refunded)', async () => {
    const { u, sku, order, payment } = await paid({ price: 1000, qty: 2, stock: 10 });
    const ac = new AbortController();
    const updates = h.order.onStatus(u.id, order.id, ac.signal);
    expect((await updates.next()).value).toMatchObject({ status: 'paid', refundStatus: 'none', refundedAmount: 0 });

    await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one unwanted',
      idempotencyKey: h.key(),
    });
    expect(await u.api.order.get({ id: order.id })).toMatchObject({
      status: 'paid',
      refundStatus: 'partial',
      refundedAmount: 1000,
    });
    const shipped = await admin.api.order.admin.ship({ id: order.id, carrier: 'SF Express', trackingNo: 'SF9' });
    expect(shipped).toMatchObject({ status: 'shipped', refundStatus: 'partial', refundedAmount: 1000 });
    const done = await admin.api.order.admin.complete({ id: order.id });
    expect(done).toMatchObject({ status: 'completed', refundStatus: 'partial', refundedAmount: 1000 });
    expect(done.log.map((l) => [l.to, l.refundStatus])).toEqual([
      ['pending_payment', null],
      ['paid', null],
      ['paid', 'partial'],
      ['shipped', null],
      ['completed', null],
    ]);
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
    const [ev] = await h.events<OrderShippedV1>(EVENTS.order.shipped, order.id);
    expect(ev.data).toMatchObject({ status: 'shipped', refundStatus: 'partial', refundedAmount: 1000 });

    // The subscription reports the refund (same status) and each move after it.
    const seen: OrderStatusChange[] = [];
    for (let i = 0; i < 3; i++) seen.push((await updates.next()).value as OrderStatusChange);
    ac.abort();
    await updates.return(undefined);
    expect(seen.map((s) => [s.status, s.refundStatus, s.refundedAmount])).toEqual([
      ['paid', 'partial', 1000],
      ['shipped', 'partial', 1000],
      ['completed', 'partial', 1000],
    ]);

    // The lists filter by either status.
    const mine = await u.api.order.list({ refundStatus: 'partial' });
    expect(mine.items.map((o) => o.id)).toEqual([order.id]);
    expect((await u.api.order.list({ refundStatus: 'none' })).items).toEqual([]);
    expect((await u.api.order.list({ status: 'completed', refundStatus: 'partial' })).items.map((o) => o.id)).toEqual([
      order.id,
    ]);
    const all = await admin.api.order.admin.list({ userId: u.id, status: 'completed', refundStatus: 'partial' });
    expect(all.items.map((o) => o.id)).toEqual([order.id]);
    expect((await admin.api.order.admin.list({ userId: u.id, refundStatus: 'full' })).items).toEqual([]);
  });

  it('is idempotent per key; refunding more units than bought, an unpaid payment, or as a customer is refused', async () => {
    const { u, sku, payment } = await paid({ price: 500, qty: 2 });
    const key = h.key();
    const input = {
      paymentId: payment.id,
      amount: 500,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'dup',
      idempotencyKey: key,
    };
    const [a, b] = await Promise.all([admin.api.payment.admin.refund(input), admin.api.payment.admin.refund(input)]);
    expect(a.id).toBe(b.id);
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
    expect((await failure(h, admin.api.payment.admin.refund({ ...input, amount: 400 }))).data.appCode).toBe(
      'IDEMPOTENCY_CONFLICT',
    );
    const units = await failure(
      h,
      admin.api.payment.admin.refund({
        ...input,
        amount: 1,
        items: [{ skuId: sku, quantity: 2 }],
        idempotencyKey: h.key(),
      }),
    );
    expect(units.data.appCode).toBe('REFUND_EXCEEDS_PAID');
    const pending = await h.ordered();
    expect(
      (
        await failure(
          h,
          admin.api.payment.admin.refund({
            paymentId: pending.payment.id,
            amount: 1,
            reason: 'x',
            idempotencyKey: h.key(),
          }),
        )
      ).data.appCode,
    ).toBe('REFUND_EXCEEDS_PAID');
    expect((await failure(h, u.api.payment.admin.refund({ ...input, idempotencyKey: h.key() }))).data.appCode).toBe(
      'FORBIDDEN',
    );
  });
});

describe('after payment', () => {
  it('admin ship (paid → shipped) and complete (shipped → completed), logged; refund still possible after completion', async () => {
    const { u, order, payment } = await paid({ price: 100, qty: 1 });
    const shipped = await admin.api.order.admin.ship({ id: order.id, carrier: 'SF Express', trackingNo: 'SF123' });
    expect(shipped).toMatchObject({ status: 'shipped', carrier: 'SF Express', trackingNo: 'SF123' });
    expect(
      (await failure(h, admin.api.order.admin.ship({ id: order.id, carrier: 'x', trackingNo: 'y' }))).data.appCode,
    ).toBe('ILLEGAL_TRANSITION');
    const done = await admin.api.order.admin.complete({ id: order.id });
    expect(done.log.map((l) => l.to)).toEqual(['pending_payment', 'paid', 'shipped', 'completed']);
    expect((await failure(h, u.api.order.cancel({ id: order.id }))).data.appCode).toBe('ILLEGAL_TRANSITION');
    await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 100,
      reason: 'return',
      idempotencyKey: h.key(),
    });
    expect(await u.api.order.get({ id: order.id })).toMatchObject({
      status: 'completed',
      refundStatus: 'full',
      refundedAmount: 100,
    });
  });

  it('order.onStatus yields the current status, then each change (live fan-out)', async () => {
    const { u, order, payment } = await h.ordered({ qty: 1 });
    const ac = new AbortController();
    const seen: OrderStatusChange[] = [];
    const it = h.order.onStatus(u.id, order.id, ac.signal);
    const reading = (async () => {
      for await (const s of it) {
        seen.push(s);
        if (s.status === 'shipped') break;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await h.approve(payment.id);
    await admin.api.order.admin.ship({ id: order.id, carrier: 'SF', trackingNo: '1' });
    await Promise.race([reading, new Promise((r) => setTimeout(r, 8000))]);
    ac.abort();
    expect(seen.map((s) => s.status)).toEqual(['pending_payment', 'paid', 'shipped']);
    const other = await h.user();
    await expect(h.order.onStatus(other.id, order.id).next()).rejects.toMatchObject({ appCode: 'ORDER_NOT_FOUND' });
  });

  it('payment.admin.stats: totals by day (store time zone) and channel', async () => {
    const a = await paid({ price: 300, qty: 1, channel: 'sandbox_wechat' });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const s = await admin.api.payment.admin.stats({ from: today, to: today });
    const row = s.rows.find((r) => r.channel === 'sandbox_wechat' && r.day === today);
    expect(row).toBeDefined();
    expect(row!.count).toBeGreaterThanOrEqual(1);
    expect(row!.amount).toBeGreaterThanOrEqual(a.payment.amount);
    expect(s.totals.amount).toBe(s.rows.reduce((n, r) => n + r.amount, 0));
    // The zone its days are counted in, so a client can tell which row is "today".
    expect(s.timezone).toBe('Asia/Shanghai');
    const none = await admin.api.payment.admin.stats({ from: '2000-01-01', to: '2000-01-02' });
    expect(none.rows).toEqual([]);
  });
});

describe('payment.admin.forOrder', () => {
  it('shows any order’s payments, newest first, each with its refunds and what can still be refunded', async () => {
    const { u, sku, order, payment } = await paid({ price: 1000, qty: 3, stock: 10 });
    const before = await admin.api.payment.admin.forOrder({ orderId: order.id });
    expect(before).toEqual([{ ...(await u.api.payment.get({ id: payment.id })), refunds: [], refundableAmount: 3000 }]);

    const r1 = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one broken',
      idempotencyKey: h.key(),
    });
    const r2 = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 500,
      reason: 'goodwill',
      idempotencyKey: h.key(),
    });
    const [p] = await admin.api.payment.admin.forOrder({ orderId: order.id });
    expect(p).toMatchObject({
      id: payment.id,
      status: 'partially_refunded',
      amount: 3000,
      refundedAmount: 1500,
      refundableAmount: 1500,
    });
    expect(p.refunds).toEqual([r1, r2]);

    await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1500,
      reason: 'rest',
      idempotencyKey: h.key(),
    });
    const [done] = await admin.api.payment.admin.forOrder({ orderId: order.id });
    expect([done.status, done.refundableAmount, done.refunds.length]).toEqual(['refunded', 0, 3]);
  });

  it('an unpaid order’s open payment is not refundable; an unknown order is ORDER_NOT_FOUND; a customer is FORBIDDEN', async () => {
    const { u, order, payment } = await h.ordered({ price: 700, qty: 1, stock: 5 });
    expect(await admin.api.payment.admin.forOrder({ orderId: order.id })).toEqual([
      expect.objectContaining({ id: payment.id, status: 'pending', refunds: [], refundableAmount: 0 }),
    ]);
    const unknown = await failure(h, admin.api.payment.admin.forOrder({ orderId: newId() }));
    expect([unknown.code, unknown.data.appCode]).toEqual(['NOT_FOUND', 'ORDER_NOT_FOUND']);
    const customer = await failure(h, u.api.payment.admin.forOrder({ orderId: order.id }));
    expect([customer.code, customer.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});
