import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createContextFactory, router } from '@zjmall/platform';
import { createPaymentRouter, createPaymentService } from './index';
import { createPaymentHarness, failure, type PaymentHarness } from './testing/harness';

let h: PaymentHarness;
beforeAll(async () => {
  h = await createPaymentHarness('payreturn', {
    PUBLIC_BASE_URL: 'https://shop.example/base',
    CORS_ORIGINS: 'https://m.shop.example, http://localhost:5173',
  });
});
afterAll(() => h?.close());

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('payment.channels', () => {
  it('lists the sandbox channels with their names, and nothing when SANDBOX_PAYMENTS is off', async () => {
    const anonymous = createCallerFactory(h.appRouter)(
      createContextFactory({ authenticate: async () => ({ ok: false, reason: 'missing' }), log: h.env.log })({
        requestId: 't',
        ip: '127.0.0.1',
      }),
    );
    expect(await anonymous.payment.channels()).toEqual([
      { channel: 'sandbox_alipay', name: '支付宝（沙箱）' },
      { channel: 'sandbox_wechat', name: '微信支付（沙箱）' },
    ]);
    const off = createPaymentService({
      ...h.platform,
      config: { ...h.platform.config, SANDBOX_PAYMENTS: false },
      order: h.order,
      callbackSecret: 'x'.repeat(32),
    });
    const offCaller = createCallerFactory(router({ payment: createPaymentRouter(off) }))(
      createContextFactory({ authenticate: async () => ({ ok: false, reason: 'missing' }), log: h.env.log })({
        requestId: 't',
        ip: '127.0.0.1',
      }),
    );
    expect(await offCaller.payment.channels()).toEqual([]);
  });
});

describe('payment.create returnUrl', () => {
  it('resolves a path against PUBLIC_BASE_URL’s origin, keeps an absolute URL of a trusted origin, and answers it on the payment', async () => {
    const { u, order, payment } = await h.ordered();
    expect(payment.returnUrl).toBeNull();
    const withPath = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: h.key(),
      returnUrl: '/orders/x?paid=1#top',
    });
    // The open payment of the same channel is returned, its returnUrl replaced by the new one.
    expect(withPath.id).toBe(payment.id);
    expect(withPath.returnUrl).toBe('https://shop.example/orders/x?paid=1#top');
    // Left out, the stored one stays.
    const again = await u.api.payment.create({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: h.key() });
    expect(again.returnUrl).toBe('https://shop.example/orders/x?paid=1#top');
    const cors = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: h.key(),
      returnUrl: 'http://localhost:5173/orders/y',
    });
    expect(cors.returnUrl).toBe('http://localhost:5173/orders/y');
    expect((await u.api.payment.get({ id: payment.id })).returnUrl).toBe('http://localhost:5173/orders/y');
    // Another channel opens a payment with this call's returnUrl only.
    const wechat = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_wechat',
      idempotencyKey: h.key(),
      returnUrl: 'https://m.shop.example/o/1',
    });
    expect(wechat.returnUrl).toBe('https://m.shop.example/o/1');
    const alipay = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: h.key(),
    });
    expect(alipay.id).not.toBe(payment.id);
    expect(alipay.returnUrl).toBeNull();
  });

  it('answers BAD_REQUEST naming returnUrl for other origins, other schemes, protocol-relative and oversized values, and stores nothing', async () => {
    const { u, order, payment } = await h.ordered();
    const bad = [
      'https://evil.example/orders/1',
      'https://shop.example.evil.example/',
      'http://shop.example/orders/1', // the shop is https: another origin
      'https://user:pw@shop.example/orders/1',
      'javascript:alert(1)',
      'data:text/html,hi',
      '//evil.example/x',
      '/\\evil.example',
      'orders/1',
      '/orders/\u0000x',
      '/orders/ x',
      '',
      `/${'a'.repeat(2000)}`,
    ];
    for (const returnUrl of bad) {
      const e = await failure(
        h,
        u.api.payment.create({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: h.key(), returnUrl }),
      );
      expect(e.code, returnUrl).toBe('BAD_REQUEST');
      expect(Object.keys(e.data.zodError?.fieldErrors ?? {}), returnUrl).toEqual(['returnUrl']);
    }
    expect((await u.api.payment.get({ id: payment.id })).returnUrl).toBeNull();
  });
});

describe('sandbox buttons with a returnUrl', () => {
  it('send a browser to the returnUrl with 303 after the callback was processed; API callers keep the JSON', async () => {
    const { u, order } = await h.ordered();
    const p = await u.api.payment.create({
      orderId: order.id,
      channel: 'sandbox_wechat',
      idempotencyKey: h.key(),
      returnUrl: `/orders/${order.id}`,
    });
    const declined = await h.app.inject({
      method: 'POST',
      url: `/sandbox/pay/${p.id}/decline`,
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(declined.statusCode).toBe(303);
    expect(declined.headers.location).toBe(`https://shop.example/orders/${order.id}`);
    expect((await u.api.payment.get({ id: p.id })).status).toBe('failed');

    const json = await h.app.inject({
      method: 'POST',
      url: `/sandbox/pay/${p.id}/approve`,
      headers: { accept: 'application/json' },
    });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ ok: true, decision: 'approve', outcome: 'succeeded' });
    // Processed before the answer: the order is paid when the browser arrives.
    const again = await h.app.inject({
      method: 'POST',
      url: `/sandbox/pay/${p.id}/approve`,
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`https://shop.example/orders/${order.id}`);
    expect((await u.api.order.get({ id: order.id })).status).toBe('paid');
  });

  it('answer JSON to a browser when the payment has no returnUrl', async () => {
    const { payment } = await h.ordered();
    const res = await h.app.inject({
      method: 'POST',
      url: `/sandbox/pay/${payment.id}/approve`,
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, outcome: 'succeeded' });
  });
});
