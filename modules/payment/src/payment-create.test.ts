import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentHarness, eventually, failure, type PaymentHarness } from './testing/harness';

let h: PaymentHarness;
beforeAll(async () => {
  h = await createPaymentHarness('paycreate', { PUBLIC_BASE_URL: 'https://shop.example' });
});
afterAll(() => h?.close());

describe('payment.create', () => {
  it('opens a pending payment with a payUrl on PUBLIC_BASE_URL; same channel returns it, another closes it and opens a new one', async () => {
    const { u, order, payment } = await h.ordered({ price: 1234, qty: 3 });
    expect(payment).toMatchObject({
      status: 'pending',
      amount: 3702,
      currency: 'CNY',
      orderId: order.id,
      channel: 'sandbox_alipay',
    });
    expect(payment.payUrl).toBe(`https://shop.example/sandbox/pay/${payment.id}`);
    const same = await u.api.payment.create({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: h.key() });
    expect(same.id).toBe(payment.id);
    const wechat = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_wechat',
      idempotencyKey: h.key(),
    });
    expect(wechat.id).not.toBe(payment.id);
    expect((await u.api.payment.get({ id: payment.id })).status).toBe('closed');
    const all = await u.api.payment.forOrder({ orderId: order.id });
    expect(all.map((p) => [p.id, p.status])).toEqual([
      [wechat.id, 'pending'],
      [payment.id, 'closed'],
    ]);
  });

  it('is idempotent per key; another user sees NOT_FOUND', async () => {
    const { u, order, payment } = await h.ordered();
    const key = h.key();
    const [a, b] = await Promise.all([
      u.api.payment.create({ orderId: order.id, channel: 'sandbox_wechat', idempotencyKey: key }),
      u.api.payment.create({ orderId: order.id, channel: 'sandbox_wechat', idempotencyKey: key }),
    ]);
    expect(a.id).toBe(b.id);
    const other = await h.user();
    expect(
      (
        await failure(
          h,
          other.api.payment.create({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: h.key() }),
        )
      ).data.appCode,
    ).toBe('ORDER_NOT_FOUND');
    expect((await failure(h, other.api.payment.get({ id: payment.id }))).data.appCode).toBe('PAYMENT_NOT_FOUND');
    expect((await failure(h, other.api.payment.forOrder({ orderId: order.id }))).data.appCode).toBe('ORDER_NOT_FOUND');
  });

  it('ORDER_EXPIRED for a cancelled order and for one whose deadline passed (database clock)', async () => {
    const x = await h.ordered();
    await x.u.api.order.cancel({ id: x.order.id });
    const e1 = await failure(
      h,
      x.u.api.payment.create({ orderId: x.order.id, channel: 'sandbox_alipay', idempotencyKey: h.key() }),
    );
    expect([e1.code, e1.data.appCode]).toEqual(['CONFLICT', 'ORDER_EXPIRED']);
    const y = await h.ordered();
    await h.db.query(`UPDATE "order".orders SET expires_at = now() - interval '1 second' WHERE id = $1`, {
      bind: [y.order.id],
    });
    const e2 = await failure(
      h,
      y.u.api.payment.create({ orderId: y.order.id, channel: 'sandbox_wechat', idempotencyKey: h.key() }),
    );
    expect(e2.data.appCode).toBe('ORDER_EXPIRED');
  });

  it('closes the pending payment when the order is cancelled (durable consumer of order.cancelled)', async () => {
    const { u, order, payment } = await h.ordered();
    await u.api.order.cancel({ id: order.id });
    const p = await eventually(
      () => u.api.payment.get({ id: payment.id }),
      (p) => p.status === 'closed',
    );
    expect(p.status).toBe('closed');
  });
});

describe('sandbox pay page', () => {
  it('renders the amount and the two buttons; unknown payment is 404', async () => {
    const { payment } = await h.ordered({ price: 1999, qty: 1 });
    const page = await h.app.inject({ method: 'GET', url: `/sandbox/pay/${payment.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('CNY 19.99');
    expect(page.body).toContain(`/sandbox/pay/${payment.id}/approve`);
    expect(page.body).toContain(`/sandbox/pay/${payment.id}/decline`);
    expect(
      (await h.app.inject({ method: 'GET', url: `/sandbox/pay/${payment.id.replace(/.$/, '0')}0` })).statusCode,
    ).toBe(404);
  });
});
