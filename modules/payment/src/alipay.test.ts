import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '@zjmall/contracts';
import { createPaymentHarness, eventually, failure, type PaymentHarness } from './testing/harness';
import { rsaPair, startAlipayGateway, type AlipayGateway } from './testing/alipay-gateway';
import { providersFromConfig, type ChannelConfig } from './providers/channels.config';

/** Channel `alipay` against the stand-in gateway (testing/alipay-gateway.ts: node:crypto, from Alipay's docs). */
const APP_ID = '2021000000000001';
let h: PaymentHarness;
let gw: AlipayGateway;
const app = rsaPair();

beforeAll(async () => {
  gw = await startAlipayGateway({ appId: APP_ID, appPublicPem: app.publicPem });
  h = await createPaymentHarness('payalipay', {
    ALIPAY_APP_ID: APP_ID,
    // PKCS#1 on purpose: the channel detects it.
    ALIPAY_PRIVATE_KEY: app.privatePkcs1,
    ALIPAY_PUBLIC_KEY: gw.publicPem,
    ALIPAY_GATEWAY: gw.gateway,
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await gw?.close();
});

const notify = (body: string) =>
  h.callback('alipay', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);

/** An order paid through the stand-in: pay URL opened, buyer paid, notify delivered. */
async function paidOrder(opts: { price?: number; qty?: number } = {}) {
  const x = await h.ordered({ channel: 'alipay', price: opts.price ?? 1234, qty: opts.qty ?? 1 });
  const opened = gw.openPayUrl(x.payment.payUrl);
  const trade = gw.pay(opened.biz.out_trade_no);
  const res = await notify(gw.notifyBody(trade));
  expect(res.statusCode).toBe(200);
  expect(res.body).toBe('success');
  return { ...x, trade };
}

describe('channel alipay', () => {
  it('payment.channels lists it; create makes a signed GET page-pay URL (desktop) or wap-pay URL (mobile)', async () => {
    const u = await h.user();
    expect((await u.api.payment.channels()).map((c) => c.channel)).toContain('alipay');

    const { order, payment } = await h.ordered({ channel: 'alipay', price: 1234, qty: 3, returnUrl: '/orders/x' });
    const opened = gw.openPayUrl(payment.payUrl);
    expect(opened.valid).toBe(true);
    expect(payment.payUrl.startsWith(gw.gateway)).toBe(true);
    expect(opened.params.method).toBe('alipay.trade.page.pay');
    expect(opened.params.sign_type).toBe('RSA2');
    expect(opened.params.app_id).toBe(APP_ID);
    expect(opened.params.notify_url).toBe(`${h.env.config.PUBLIC_BASE_URL}/payments/callback/alipay`);
    expect(opened.params.return_url).toBe(`${h.env.config.PUBLIC_BASE_URL}/orders/x`);
    expect(opened.biz.out_trade_no).toBe(payment.id.replaceAll('-', ''));
    expect(opened.biz.out_trade_no).toMatch(/^[0-9a-f]{32}$/);
    expect(opened.biz.total_amount).toBe('37.02');
    expect(opened.biz.product_code).toBe('FAST_INSTANT_TRADE_PAY');
    expect(order.payableAmount).toBe(3702);

    const mobile = await h.ordered({ channel: 'alipay', price: 5, qty: 1, device: 'mobile' });
    const m = gw.openPayUrl(mobile.payment.payUrl);
    expect(m.valid).toBe(true);
    expect(m.params.method).toBe('alipay.trade.wap.pay');
    expect(m.biz.product_code).toBe('QUICK_WAP_WAY');
    expect(m.biz.total_amount).toBe('0.05');
  });

  it('journey: notify pays the order (answer `success`), a partial refund through alipay.trade.refund, then the rest', async () => {
    const { order, payment, sku, trade } = await paidOrder({ price: 1000, qty: 2 });
    expect(await h.orderStatus(order.id)).toBe('paid');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'succeeded', transaction_id: trade.tradeNo });
    expect(await h.stock(sku)).toEqual({ onHand: 8, reserved: 0 });

    const admin = await h.admin();
    const key = h.key();
    const r1 = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one broken',
      idempotencyKey: key,
    });
    expect(r1.status).toBe('succeeded');
    expect(trade.refunds.get(r1.id.replaceAll('-', ''))).toBe('10.00');
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: 1000 });
    // The same key: the same refund, not asked again.
    const again = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one broken',
      idempotencyKey: key,
    });
    expect(again).toEqual(r1);
    expect(trade.refunds.size).toBe(1);

    const r2 = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1000,
      reason: 'the rest',
      idempotencyKey: h.key(),
    });
    expect(r2.status).toBe('succeeded');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'refunded', refunded_amount: 2000 });
    expect(trade.status).toBe('TRADE_CLOSED');
    // Alipay's TRADE_CLOSED after the full refund: accepted, changes nothing.
    const closed = await notify(gw.notifyBody(trade, { status: 'TRADE_CLOSED' }));
    expect(closed.body).toBe('success');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'refunded' });
    const events = await h.events<{ refundId: string }>(EVENTS.payment.refunded, payment.id);
    expect(events.map((e) => e.data.refundId)).toEqual([r1.id, r2.id]);
  });

  it('refund idempotency through the provider: a refund whose answer was lost is asked again under the same out_request_no and moves money once', async () => {
    const { payment, trade } = await paidOrder({ price: 700 });
    const admin = await h.admin();
    gw.setBadSign(true); // the answer cannot be trusted: the refund stays pending
    let r: Awaited<ReturnType<typeof admin.api.payment.admin.refund>>;
    try {
      r = await admin.api.payment.admin.refund({
        paymentId: payment.id,
        amount: 700,
        reason: 'r',
        idempotencyKey: h.key(),
      });
    } finally {
      gw.setBadSign(false);
    }
    expect(r.status).toBe('pending');
    expect(trade.refunds.size).toBe(1); // Alipay did refund; we did not believe the answer
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'succeeded', refunded_amount: 0 });
    // Nothing more can be refunded while it is pending.
    const over = await failure(
      h,
      admin.api.payment.admin.refund({ paymentId: payment.id, amount: 1, reason: 'r', idempotencyKey: h.key() }),
    );
    expect(over.data.appCode).toBe('REFUND_EXCEEDS_PAID');
    await h.payment.reconcile({ olderThanSeconds: 0 });
    expect(trade.refunds.size).toBe(1);
    const [row] = await h.q<{ status: string }>(`SELECT status FROM payment.refunds WHERE id = $1`, [r.id]);
    expect(row.status).toBe('succeeded');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'refunded', refunded_amount: 700 });
  });

  it('a forged signature, another app_id or a malformed notify is answered `fail` (4xx) and stores nothing', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 300, qty: 1 });
    const trade = gw.pay(gw.openPayUrl(payment.payUrl).biz.out_trade_no);
    const forged = await notify(gw.notifyBody(trade, { signWith: rsaPair().privatePem }));
    expect([forged.statusCode, forged.body]).toEqual([401, 'fail']);
    const tampered = await notify(gw.notifyBody(trade).replace('total_amount=3.00', 'total_amount=0.01'));
    expect([tampered.statusCode, tampered.body]).toEqual([401, 'fail']);
    const otherApp = await notify(gw.notifyBody(trade, { override: { app_id: '2021999999999999' } }));
    expect([otherApp.statusCode, otherApp.body]).toEqual([400, 'fail']);
    const unsigned = await notify('trade_no=1&out_trade_no=2');
    expect([unsigned.statusCode, unsigned.body]).toEqual([401, 'fail']);
    expect(await h.q(`SELECT 1 FROM payment.inbox WHERE payment_id = $1`, [payment.id])).toEqual([]);
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
  });

  it('an amount mismatch is answered `fail`, kept as rejected, and moves nothing', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 300, qty: 1 });
    const trade = gw.pay(gw.openPayUrl(payment.payUrl).biz.out_trade_no);
    const res = await notify(gw.notifyBody(trade, { override: { total_amount: '0.01' } }));
    expect([res.statusCode, res.body]).toEqual([400, 'fail']);
    const admin = await h.admin();
    const inbox = await admin.api.payment.admin.inbox({ paymentId: payment.id });
    expect(inbox).toMatchObject([{ status: 'rejected', outcome: 'amount_mismatch', replayable: false }]);
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
  });

  it('a replayed notify and Alipay’s several notifies per trade have one effect; concurrent duplicates too', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 900, qty: 1 });
    const trade = gw.pay(gw.openPayUrl(payment.payUrl).biz.out_trade_no);
    const body = gw.notifyBody(trade);
    const answers = await Promise.all(Array.from({ length: 8 }, () => notify(body)));
    expect(answers.map((a) => a.body)).toEqual(Array(8).fill('success'));
    // Replayed later (Alipay retries for a day; the notify_time's age is no reason to refuse).
    expect((await notify(body)).body).toBe('success');
    trade.status = 'TRADE_FINISHED';
    expect((await notify(gw.notifyBody(trade))).body).toBe('success');
    expect(await h.orderStatus(order.id)).toBe('paid');
    expect(await h.events(EVENTS.payment.succeeded, payment.id)).toHaveLength(1);
    const admin = await h.admin();
    const inbox = await admin.api.payment.admin.inbox({ paymentId: payment.id });
    expect(inbox.map((e) => [e.key, e.status, e.outcome])).toEqual([
      [`${trade.tradeNo}:TRADE_SUCCESS`, 'processed', 'succeeded'],
      [`${trade.tradeNo}:TRADE_FINISHED`, 'processed', 'already_succeeded'],
    ]);
    expect(inbox[0].deliveries).toBe(9);
  });

  it('a lost notify is found by the query (reconcile); the late notify then has no second effect', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 400, qty: 1 });
    const outTradeNo = gw.openPayUrl(payment.payUrl).biz.out_trade_no;
    // Not paid yet: the query says WAIT_BUYER_PAY, nothing happens.
    await h.payment.reconcile({ olderThanSeconds: 0 });
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
    const trade = gw.pay(outTradeNo);
    const r = await h.payment.reconcile({ olderThanSeconds: 0 });
    expect(r.applied).toBeGreaterThanOrEqual(1);
    expect(await h.orderStatus(order.id)).toBe('paid');
    expect((await notify(gw.notifyBody(trade))).body).toBe('success');
    expect(await h.events(EVENTS.payment.succeeded, payment.id)).toHaveLength(1);
  });

  it('a query answer with a bad signature is not applied', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 450, qty: 1 });
    gw.pay(gw.openPayUrl(payment.payUrl).biz.out_trade_no);
    gw.setBadSign(true);
    try {
      const r = await h.payment.reconcile({ olderThanSeconds: 0 });
      expect(r.unanswered).toBeGreaterThanOrEqual(1);
    } finally {
      gw.setBadSign(false);
    }
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'pending' });
    expect(await h.q(`SELECT 1 FROM payment.inbox WHERE payment_id = $1`, [payment.id])).toEqual([]);
  });

  it('a cancelled order closes its trade at Alipay; a trade paid before the close arrives is applied and refunded automatically', async () => {
    // Unpaid: closed at the gateway and here.
    const a = await h.ordered({ channel: 'alipay', price: 600, qty: 1 });
    const ta = gw.openPayUrl(a.payment.payUrl).trade!;
    await a.u.api.order.cancel({ id: a.order.id, reason: 'changed my mind' });
    await eventually(
      () => h.paymentRow(a.payment.id),
      (p) => p.status === 'closed',
    );
    expect(ta.status).toBe('TRADE_CLOSED');

    // Paid at Alipay while the order was being cancelled (the notify not here yet): the close finds it paid.
    const b = await h.ordered({ channel: 'alipay', price: 650, qty: 1 });
    const tb = gw.pay(gw.openPayUrl(b.payment.payUrl).biz.out_trade_no);
    await b.u.api.order.cancel({ id: b.order.id, reason: 'changed my mind' });
    await eventually(
      () => h.paymentRow(b.payment.id),
      (p) => p.status === 'refunded',
      30_000,
    );
    expect(await h.orderStatus(b.order.id)).toBe('cancelled');
    expect([...tb.refunds.values()]).toEqual(['6.50']);
    const [auto] = await h.q<{ automatic: boolean; status: string }>(
      `SELECT automatic, status FROM payment.refunds WHERE payment_id = $1`,
      [b.payment.id],
    );
    expect(auto).toEqual({ automatic: true, status: 'succeeded' });
    // Its notify arriving now: one effect only.
    expect((await notify(gw.notifyBody(tb, { status: 'TRADE_SUCCESS' }))).body).toBe('success');
    expect(await h.events(EVENTS.payment.succeeded, b.payment.id)).toHaveLength(1);
  });

  it('a notify after the order timed out: answered `success`, the money refunded automatically, the order stays cancelled', async () => {
    const { order, payment, sku } = await h.ordered({ channel: 'alipay', price: 800, qty: 1 });
    const outTradeNo = gw.openPayUrl(payment.payUrl).biz.out_trade_no;
    const before = await h.stock(sku);
    await h.db.query(`UPDATE payment.payments SET status = 'closed' WHERE id = $1`, { bind: [payment.id] });
    await h.db.query(`UPDATE "order".orders SET status = 'cancelled' WHERE id = $1`, { bind: [order.id] });
    const trade = gw.pay(outTradeNo);
    expect((await notify(gw.notifyBody(trade))).body).toBe('success');
    await eventually(
      () => h.paymentRow(payment.id),
      (p) => p.status === 'refunded',
      30_000,
    );
    expect([...trade.refunds.values()]).toEqual(['8.00']);
    expect(await h.orderStatus(order.id)).toBe('cancelled');
    expect(await h.stock(sku)).toEqual(before);
  });
});

describe('payment.admin.replayInbox', () => {
  it('processes an entry stuck `received` from its stored payload, once; a processed entry is left as it is', async () => {
    const { order, payment } = await h.ordered({ channel: 'alipay', price: 320, qty: 1 });
    const trade = gw.pay(gw.openPayUrl(payment.payUrl).biz.out_trade_no);
    const params = Object.fromEntries(new URLSearchParams(gw.notifyBody(trade)));
    // Stored, never processed (the process died between the two).
    await h.db.query(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload) VALUES ('alipay', $1, $2, $3::jsonb)`,
      { bind: [`${trade.tradeNo}:TRADE_SUCCESS`, payment.id, JSON.stringify({ via: 'notify', params })] },
    );
    const admin = await h.admin();
    const [entry] = await admin.api.payment.admin.inbox({ paymentId: payment.id });
    expect(entry).toMatchObject({ status: 'received', replayable: true });
    const after = await admin.api.payment.admin.replayInbox({ entryId: entry.id });
    expect(after).toMatchObject([{ id: entry.id, status: 'processed', outcome: 'succeeded', replayable: false }]);
    expect(await h.orderStatus(order.id)).toBe('paid');
    await admin.api.payment.admin.replayInbox({ entryId: entry.id });
    expect(await h.events(EVENTS.payment.succeeded, payment.id)).toHaveLength(1);
    const missing = await failure(
      h,
      admin.api.payment.admin.replayInbox({ entryId: '00000000-0000-7000-8000-000000000000' }),
    );
    expect([missing.code, missing.data.appCode]).toEqual(['NOT_FOUND', 'INBOX_ENTRY_NOT_FOUND']);
  });
});

describe('alipay configuration', () => {
  const base: ChannelConfig = {
    PUBLIC_BASE_URL: 'http://shop.test',
    STORE_CURRENCY: 'CNY',
  } as ChannelConfig;

  it('all ALIPAY_* set: on (PKCS#8 or PKCS#1 key); none: off; some: an error naming the missing variable; not CNY: an error', () => {
    const full = {
      ...base,
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_PRIVATE_KEY: app.privatePem,
      ALIPAY_PUBLIC_KEY: gw.publicPem,
    };
    expect(providersFromConfig(full).map((p) => p.channel)).toEqual(['alipay']);
    expect(providersFromConfig({ ...full, ALIPAY_PRIVATE_KEY: app.privatePkcs1 }).map((p) => p.channel)).toEqual([
      'alipay',
    ]);
    expect(providersFromConfig(base)).toEqual([]);
    expect(() => providersFromConfig({ ...full, ALIPAY_PUBLIC_KEY: undefined })).toThrow(/ALIPAY_PUBLIC_KEY/);
    expect(() => providersFromConfig({ ...full, STORE_CURRENCY: 'USD' })).toThrow(/CNY/);
    expect(() => providersFromConfig({ ...full, ALIPAY_PRIVATE_KEY: 'not-a-key-file' })).toThrow(/ALIPAY_PRIVATE_KEY/);
  });

  it('a channel that is off: payment.create answers CHANNEL_UNAVAILABLE', async () => {
    const x = await h.ordered({ channel: 'sandbox_alipay' });
    const e = await failure(
      h,
      x.u.api.payment.create({ orderId: x.order.id, channel: 'wechat', idempotencyKey: h.key() }),
    );
    expect([e.code, e.data.appCode]).toEqual(['BAD_REQUEST', 'CHANNEL_UNAVAILABLE']);
  });
});

describe('alipay with its gateway unreachable', () => {
  let off: PaymentHarness;
  let gw2: AlipayGateway;
  beforeAll(async () => {
    gw2 = await startAlipayGateway({ appId: APP_ID, appPublicPem: app.publicPem });
    await gw2.close(); // its port: nothing listens there any more
    off = await createPaymentHarness('payalipayoff', {
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_PRIVATE_KEY: app.privatePem,
      ALIPAY_PUBLIC_KEY: gw2.publicPem,
      ALIPAY_GATEWAY: gw2.gateway,
      SANDBOX_PAYMENTS: 'false',
    });
  }, 60_000);
  afterAll(() => off?.close());

  it('makes signed pay URLs, pays the order for a correctly signed notify, and changes nothing for one signed with another key', async () => {
    const { order, payment } = await off.ordered({ channel: 'alipay', price: 990, qty: 1 });
    const opened = gw2.openPayUrl(payment.payUrl);
    expect(opened.valid).toBe(true);
    const trade = gw2.pay(opened.biz.out_trade_no);
    const send = (body: string) =>
      off.callback('alipay', { 'content-type': 'application/x-www-form-urlencoded' }, body);
    const forged = await send(gw2.notifyBody(trade, { signWith: rsaPair().privatePem }));
    expect(forged.body).toBe('fail');
    expect(await off.orderStatus(order.id)).toBe('pending_payment');
    const ok = await send(gw2.notifyBody(trade));
    expect([ok.statusCode, ok.body]).toEqual([200, 'success']);
    expect(await off.orderStatus(order.id)).toBe('paid');
    // Reconciliation with nobody answering changes nothing and does not throw.
    const r = await off.payment.reconcile({ olderThanSeconds: 0 });
    expect(r.applied).toBe(0);
  });
});
