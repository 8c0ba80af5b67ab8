import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '@zjmall/contracts';
import { createPaymentHarness, eventually, failure, type PaymentHarness } from './testing/harness';
import { rsaPair } from './testing/alipay-gateway';
import { startWechatGateway, type WechatGateway } from './testing/wechat-gateway';
import { providersFromConfig, type ChannelConfig } from './providers/channels.config';

/** Channel `wechat` against the stand-in (testing/wechat-gateway.ts: node:crypto, from WeChat Pay's docs). */
const MCH_ID = '1900000109';
const APP_ID = 'wxd678efh567hg6787';
const SERIAL = '3775B6A45ACD588826D15E583A95F5DD12345678';
let h: PaymentHarness;
let gw: WechatGateway;
const merchant = rsaPair();

const env = (g: WechatGateway): Record<string, string> => ({
  WECHATPAY_MCH_ID: MCH_ID,
  WECHATPAY_APP_ID: APP_ID,
  WECHATPAY_API_V3_KEY: g.apiV3Key,
  WECHATPAY_SERIAL_NO: SERIAL,
  WECHATPAY_PRIVATE_KEY: merchant.privatePem,
  WECHATPAY_PLATFORM_PUBLIC_KEY: g.publicKeyPem,
  WECHATPAY_PLATFORM_PUBLIC_KEY_ID: g.publicKeyId,
  WECHATPAY_GATEWAY: g.gateway,
});

beforeAll(async () => {
  gw = await startWechatGateway({ mchId: MCH_ID, merchantPublicPem: merchant.publicPem, merchantSerial: SERIAL });
  h = await createPaymentHarness('paywechat', env(gw));
}, 60_000);
afterAll(async () => {
  await h?.close();
  await gw?.close();
});

const deliver = (n: { headers: Record<string, string>; body: string }) => h.callback('wechat', n.headers, n.body);
const otn = (paymentId: string) => paymentId.replaceAll('-', '');

describe('channel wechat', () => {
  it('journey: Native code_url as qrCode and the shop’s pay page; a signed, encrypted notify pays (204); a refund pending, then its REFUND.SUCCESS notify settles it', async () => {
    const { order, payment, sku } = await h.ordered({ channel: 'wechat', price: 1250, qty: 2 });
    const t = gw.trades.get(otn(payment.id))!;
    expect(t.total).toBe(2500);
    expect(t.appid).toBe(APP_ID);
    expect(payment.qrCode).toBe(t.codeUrl);
    expect(payment.payUrl).toBe(`${h.env.config.PUBLIC_BASE_URL}/pay/${payment.id}`);

    gw.pay(t.outTradeNo);
    const res = await deliver(gw.paidNotify(t));
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await h.orderStatus(order.id)).toBe('paid');
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'succeeded', transaction_id: t.transactionId });
    expect(await h.stock(sku)).toEqual({ onHand: 8, reserved: 0 });

    const admin = await h.admin();
    const key = h.key();
    const refund = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 1250,
      items: [{ skuId: sku, quantity: 1 }],
      reason: 'one returned',
      idempotencyKey: key,
    });
    expect(refund.status).toBe('pending');
    // Nothing moved yet.
    expect(await h.stock(sku)).toEqual({ onHand: 8, reserved: 0 });
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'succeeded', refunded_amount: 0 });
    const [o1] = await h.q<{ refund_status: string | null }>(`SELECT refund_status FROM "order".orders WHERE id = $1`, [
      order.id,
    ]);
    expect(o1.refund_status).toBe('none');
    // The same key again: the same refund (still pending), not a second one at WeChat Pay.
    expect(
      await admin.api.payment.admin.refund({
        paymentId: payment.id,
        amount: 1250,
        items: [{ skuId: sku, quantity: 1 }],
        reason: 'one returned',
        idempotencyKey: key,
      }),
    ).toMatchObject({ id: refund.id, status: 'pending' });
    expect(gw.refunds.size).toBe(1);

    const settled = await deliver(gw.settleRefund(otn(refund.id), 'SUCCESS'));
    expect(settled.statusCode).toBe(204);
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: 1250 });
    const [r] = await h.q<{ status: string }>(`SELECT status FROM payment.refunds WHERE id = $1`, [refund.id]);
    expect(r.status).toBe('succeeded');
    expect(await h.events(EVENTS.payment.refunded, payment.id)).toHaveLength(1);
    // The notify again: no second effect.
    expect((await deliver(gw.settleRefund(otn(refund.id), 'SUCCESS'))).statusCode).toBe(204);
    expect(await h.paymentRow(payment.id)).toMatchObject({ refunded_amount: 1250 });
  });

  it('a pending refund that WeChat Pay ends without a notify is settled by the reconciliation query; ABNORMAL moves nothing', async () => {
    const { payment, order } = await h.ordered({ channel: 'wechat', price: 500, qty: 1 });
    const t = gw.pay(otn(payment.id));
    expect((await deliver(gw.paidNotify(t))).statusCode).toBe(204);
    const admin = await h.admin();
    const a = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 200,
      reason: 'a',
      idempotencyKey: h.key(),
    });
    const b = await admin.api.payment.admin.refund({
      paymentId: payment.id,
      amount: 300,
      reason: 'b',
      idempotencyKey: h.key(),
    });
    expect([a.status, b.status]).toEqual(['pending', 'pending']);
    // Nothing more is refundable while they wait (what the back office offers).
    const [listed] = await admin.api.payment.admin.forOrder({ orderId: order.id });
    expect(listed.refundableAmount).toBe(0);
    expect(listed.refunds.map((r) => r.status)).toEqual(['pending', 'pending']);
    gw.settleRefund(otn(a.id), 'SUCCESS'); // its notify is lost
    gw.settleRefund(otn(b.id), 'ABNORMAL');
    await h.payment.reconcile({ olderThanSeconds: 0 });
    const rows = await h.q<{ id: string; status: string }>(
      `SELECT id, status FROM payment.refunds WHERE payment_id = $1`,
      [payment.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [a.id]: 'succeeded', [b.id]: 'failed' });
    expect(await h.paymentRow(payment.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: 200 });
  });

  it('refused notifies: a forged signature, another key id, a stale timestamp (401); another mchid, an undecryptable resource (400); an amount mismatch (400, kept rejected)', async () => {
    const { order, payment } = await h.ordered({ channel: 'wechat', price: 300, qty: 1 });
    const t = gw.pay(otn(payment.id));
    const forged = await deliver(gw.paidNotify(t, { signWith: rsaPair().privatePem }));
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ code: 'FAIL' });
    const n = gw.paidNotify(t);
    expect(
      (await deliver({ ...n, headers: { ...n.headers, 'wechatpay-serial': 'PUB_KEY_ID_OTHER' } })).statusCode,
    ).toBe(401);
    const stale = await deliver(gw.paidNotify(t, { timestamp: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.statusCode).toBe(401);
    expect((await deliver(gw.paidNotify(t, { override: { mchid: '1900000999' } }))).statusCode).toBe(400);
    expect((await deliver(gw.paidNotify(t, { key: 'x'.repeat(32) }))).statusCode).toBe(400);
    expect(await h.q(`SELECT 1 FROM payment.inbox WHERE payment_id = $1`, [payment.id])).toEqual([]);
    const mismatch = await deliver(
      gw.paidNotify(t, { override: { amount: { total: 1, payer_total: 1, currency: 'CNY', payer_currency: 'CNY' } } }),
    );
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toMatchObject({ code: 'FAIL', message: 'PAYMENT_AMOUNT_MISMATCH' });
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
  });

  it('duplicate notifies, concurrent and replayed, have one effect; a lost notify is found by the query', async () => {
    const { order, payment } = await h.ordered({ channel: 'wechat', price: 700, qty: 1 });
    const t = gw.pay(otn(payment.id));
    const n = gw.paidNotify(t);
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(n)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(204));
    expect((await deliver(gw.paidNotify(t))).statusCode).toBe(204);
    expect(await h.orderStatus(order.id)).toBe('paid');
    expect(await h.events(EVENTS.payment.succeeded, payment.id)).toHaveLength(1);

    const lost = await h.ordered({ channel: 'wechat', price: 710, qty: 1 });
    const lt = gw.pay(otn(lost.payment.id));
    await h.payment.reconcile({ olderThanSeconds: 0 });
    expect(await h.orderStatus(lost.order.id)).toBe('paid');
    expect((await deliver(gw.paidNotify(lt))).statusCode).toBe(204);
    expect(await h.events(EVENTS.payment.succeeded, lost.payment.id)).toHaveLength(1);
  });

  it('a query answer with a bad signature is not applied', async () => {
    const { order, payment } = await h.ordered({ channel: 'wechat', price: 720, qty: 1 });
    gw.pay(otn(payment.id));
    gw.setBadSign(true);
    try {
      const r = await h.payment.reconcile({ olderThanSeconds: 0 });
      expect(r.unanswered).toBeGreaterThanOrEqual(1);
    } finally {
      gw.setBadSign(false);
    }
    expect(await h.orderStatus(order.id)).toBe('pending_payment');
  });

  it('cancellation closes the trade at WeChat Pay; one paid before the close is applied and refunded automatically (pending until WeChat Pay settles it)', async () => {
    const a = await h.ordered({ channel: 'wechat', price: 800, qty: 1 });
    await a.u.api.order.cancel({ id: a.order.id, reason: 'changed my mind' });
    await eventually(
      () => h.paymentRow(a.payment.id),
      (p) => p.status === 'closed',
    );
    expect(gw.trades.get(otn(a.payment.id))!.state).toBe('CLOSED');

    const b = await h.ordered({ channel: 'wechat', price: 810, qty: 1 });
    gw.pay(otn(b.payment.id));
    await b.u.api.order.cancel({ id: b.order.id, reason: 'changed my mind' });
    const auto = () =>
      h.q<{ id: string; status: string; automatic: boolean }>(
        `SELECT id, status, automatic FROM payment.refunds WHERE payment_id = $1`,
        [b.payment.id],
      );
    const [r] = await eventually(auto, (rows) => rows.length === 1, 30_000);
    expect(r).toMatchObject({ status: 'pending', automatic: true });
    await eventually(
      async () => gw.refunds.get(otn(r.id)),
      (x) => x !== undefined,
      30_000,
    );
    expect((await deliver(gw.settleRefund(otn(r.id), 'SUCCESS'))).statusCode).toBe(204);
    expect(await h.paymentRow(b.payment.id)).toMatchObject({ status: 'refunded', refunded_amount: 810 });
    expect(await h.orderStatus(b.order.id)).toBe('cancelled');
  });

  it('a provider whose answer cannot be trusted: payment.create is BUSY, and the same call again opens the trade', async () => {
    const x = await h.ordered({ channel: 'sandbox_alipay', price: 100, qty: 1 });
    const key = h.key();
    gw.setBadSign(true);
    let e;
    try {
      e = await failure(h, x.u.api.payment.create({ orderId: x.order.id, channel: 'wechat', idempotencyKey: key }));
    } finally {
      gw.setBadSign(false);
    }
    expect([e.code, e.data.appCode]).toEqual(['SERVICE_UNAVAILABLE', 'BUSY']);
    const p = await x.u.api.payment.create({ orderId: x.order.id, channel: 'wechat', idempotencyKey: key });
    expect(p.qrCode).toBe(gw.trades.get(otn(p.id))!.codeUrl);
    expect(p.status).toBe('pending');
  });
});

describe('wechat configuration', () => {
  it('all WECHATPAY_* set: on; some: an error naming the missing one; not CNY: an error', () => {
    const base = { PUBLIC_BASE_URL: 'http://shop.test', STORE_CURRENCY: 'CNY', ...env(gw) } as unknown as ChannelConfig;
    expect(providersFromConfig(base).map((p) => p.channel)).toEqual(['wechat']);
    expect(() => providersFromConfig({ ...base, WECHATPAY_API_V3_KEY: undefined })).toThrow(/WECHATPAY_API_V3_KEY/);
    expect(() => providersFromConfig({ ...base, WECHATPAY_API_V3_KEY: 'short' })).toThrow(/WECHATPAY_API_V3_KEY/);
    expect(() => providersFromConfig({ ...base, STORE_CURRENCY: 'USD' })).toThrow(/CNY/);
  });
});
