import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type PaymentSucceededV1 } from '@zjmall/contracts';
import { signSandbox, SIGNATURE_HEADER } from './index';
import { createPaymentHarness, failure, type PaymentHarness } from './testing/harness';

let h: PaymentHarness;
let secret: string;
beforeAll(async () => {
  h = await createPaymentHarness('paycallback');
  secret = h.env.config.PAYMENT_CALLBACK_SECRET!;
});
afterAll(() => h?.close());

const now = () => Math.floor(Date.now() / 1000);
function signed(body: object, opts: { t?: number; key?: string } = {}) {
  const raw = JSON.stringify(body);
  const t = opts.t ?? now();
  return {
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signSandbox(opts.key ?? secret, t, raw) },
    raw,
  };
}
const success = (p: { id: string; amount: number }, txn = `T-${p.id}`) => ({
  paymentId: p.id,
  transactionId: txn,
  status: 'SUCCESS',
  amount: p.amount,
  currency: 'CNY',
  timestamp: now(),
  nonce: 'n1',
});
const inbox = (txn: string) =>
  h.q<{ status: string; outcome: string; deliveries: number }>(
    `SELECT status, outcome, deliveries FROM payment.inbox WHERE transaction_id = $1`,
    [txn],
  );

describe('payment callbacks', () => {
  it('approve: payment succeeded, order paid, stock deducted (on hand and reserved drop), events recorded', async () => {
    const { u, sku, order, payment } = await h.ordered({ price: 500, qty: 3, stock: 10 });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 3 });
    const res = await h.approve(payment.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, outcome: 'succeeded' });
    const o = await u.api.order.get({ id: order.id });
    expect(o).toMatchObject({ status: 'paid', paidAmount: 1500 });
    expect(o.paidAt).not.toBeNull();
    expect(o.log.at(-1)).toMatchObject({ from: 'pending_payment', to: 'paid' });
    expect(await u.api.payment.get({ id: payment.id })).toMatchObject({
      status: 'succeeded',
      transactionId: `sbx_ok_${payment.id}`,
    });
    expect(await h.stock(sku)).toEqual({ onHand: 7, reserved: 0 });
    expect(await h.events(EVENTS.order.paid, order.id)).toHaveLength(1);
    const [ev] = await h.events<PaymentSucceededV1>(EVENTS.payment.succeeded, payment.id);
    expect(ev.data).toMatchObject({ applied: true, amount: 1500 });
    // Approving again re-sends the same transaction: a duplicate, no second effect.
    expect((await h.approve(payment.id)).json()).toMatchObject({ ok: true, outcome: 'duplicate' });
    expect(await h.stock(sku)).toEqual({ onHand: 7, reserved: 0 });
  });

  it('the same callback 100 times (50 at once) → one success, stock deducted once', async () => {
    const { u, sku, order, payment } = await h.ordered({ price: 700, qty: 2, stock: 5 });
    const { headers, raw } = signed(success(payment));
    const first = await Promise.all(Array.from({ length: 50 }, () => h.callback('sandbox_alipay', headers, raw)));
    const rest = [];
    for (let i = 0; i < 50; i++) rest.push(await h.callback('sandbox_alipay', headers, raw));
    for (const r of [...first, ...rest]) expect([r.statusCode, r.json().ok]).toEqual([200, true]);
    expect([...first, ...rest].filter((r) => r.json().outcome === 'succeeded')).toHaveLength(1);
    expect((await u.api.order.get({ id: order.id })).status).toBe('paid');
    expect(await h.stock(sku)).toEqual({ onHand: 3, reserved: 0 });
    expect(await h.ledger(sku, 'OUT')).toHaveLength(1);
    expect(await h.events(EVENTS.order.paid, order.id)).toHaveLength(1);
    expect(await h.events(EVENTS.payment.succeeded, payment.id)).toHaveLength(1);
    expect(await inbox(`T-${payment.id}`)).toEqual([{ status: 'processed', outcome: 'succeeded', deliveries: 100 }]);
  });

  it('forged, stale, malformed and unknown-channel callbacks are refused and never stored', async () => {
    const { u, order, payment } = await h.ordered();
    const body = success(payment, `F-${payment.id}`);
    const forged = signed(body, { key: 'x'.repeat(64) });
    expect((await h.callback('sandbox_alipay', forged.headers, forged.raw)).statusCode).toBe(401);
    const stale = signed(body, { t: now() - 301 });
    expect((await h.callback('sandbox_alipay', stale.headers, stale.raw)).statusCode).toBe(401);
    const ok = signed(body);
    expect((await h.callback('sandbox_alipay', { 'content-type': 'application/json' }, ok.raw)).statusCode).toBe(401);
    const tampered = { ...ok, raw: ok.raw.replace('"nonce":"n1"', '"nonce":"n2"') };
    expect((await h.callback('sandbox_alipay', tampered.headers, tampered.raw)).statusCode).toBe(401);
    const junk = signed({ hello: 'world' });
    expect((await h.callback('sandbox_alipay', junk.headers, junk.raw)).statusCode).toBe(400);
    expect((await h.callback('paypal', ok.headers, ok.raw)).statusCode).toBe(404);
    expect(await inbox(`F-${payment.id}`)).toEqual([]);
    expect((await u.api.order.get({ id: order.id })).status).toBe('pending_payment');
    // The real transaction id is still free: the genuine callback goes through.
    expect((await h.callback('sandbox_alipay', ok.headers, ok.raw)).json()).toMatchObject({
      ok: true,
      outcome: 'succeeded',
    });
  });

  it('a genuine callback for a payment we do not know (or a malformed id) is kept, rejected once, and moves nothing', async () => {
    const ghost = { id: '0190a000-0000-7000-8000-00000000beef', amount: 100 };
    for (const id of [ghost.id, 'not-a-payment-id']) {
      const { headers, raw } = signed(success({ id, amount: 100 }, `U-${id}`));
      const r = await h.callback('sandbox_alipay', headers, raw);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ ok: false, error: 'PAYMENT_NOT_FOUND' });
      expect(await inbox(`U-${id}`)).toEqual([
        expect.objectContaining({ status: 'rejected', outcome: 'unknown_payment' }),
      ]);
      // A repeat answers the same, from the inbox.
      expect((await h.callback('sandbox_alipay', headers, raw)).json()).toMatchObject({
        ok: false,
        error: 'PAYMENT_NOT_FOUND',
      });
    }
  });

  it('amount mismatch: 400, kept in the inbox, counted, nothing moves', async () => {
    const { u, sku, order, payment } = await h.ordered({ price: 1000, qty: 1 });
    const { headers, raw } = signed({ ...success(payment, `M-${payment.id}`), amount: 1 });
    const r = await h.callback('sandbox_alipay', headers, raw);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ ok: false, error: 'PAYMENT_AMOUNT_MISMATCH' });
    expect(await inbox(`M-${payment.id}`)).toEqual([
      expect.objectContaining({ status: 'rejected', outcome: 'amount_mismatch' }),
    ]);
    expect((await u.api.order.get({ id: order.id })).status).toBe('pending_payment');
    expect((await u.api.payment.get({ id: payment.id })).status).toBe('pending');
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 2 - 1 });
    const { metricsRegistry } = await import('@zjmall/platform');
    expect(await metricsRegistry.getSingleMetricAsString('zjmall_payment_callbacks_rejected_total')).toMatch(
      /reason="amount_mismatch"} [1-9]/,
    );
  });

  it('decline fails the payment and leaves the order payable; a later success for it is honoured', async () => {
    const { u, sku, order, payment } = await h.ordered({ qty: 1 });
    expect((await h.decline(payment.id)).json()).toMatchObject({ ok: true, outcome: 'failed' });
    expect((await u.api.payment.get({ id: payment.id })).status).toBe('failed');
    expect((await u.api.order.get({ id: order.id })).status).toBe('pending_payment');
    expect(await h.events(EVENTS.payment.failed, payment.id)).toHaveLength(1);
    expect((await h.approve(payment.id)).json()).toMatchObject({ ok: true, outcome: 'succeeded' });
    expect((await u.api.order.get({ id: order.id })).status).toBe('paid');
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
  });

  it('a success after the order was cancelled is recorded and refunded automatically; the order stays cancelled, no stock moves', async () => {
    const { u, sku, order, payment } = await h.ordered({ qty: 2 });
    await u.api.order.cancel({ id: order.id });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    expect((await h.approve(payment.id)).json()).toMatchObject({ ok: true, outcome: 'refunded_automatically' });
    expect(await u.api.payment.get({ id: payment.id })).toMatchObject({ status: 'refunded', refundedAmount: 2000 });
    expect((await u.api.order.get({ id: order.id })).status).toBe('cancelled');
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    expect(await h.ledger(sku, 'OUT')).toEqual([]);
    expect(await h.events(EVENTS.payment.refunded, payment.id)).toHaveLength(1);
    expect(await h.events(EVENTS.order.paid, order.id)).toEqual([]);
  });

  it('callback racing order.cancel: a consistent end state either way', async () => {
    for (let i = 0; i < 6; i++) {
      const { u, sku, order, payment } = await h.ordered({ qty: 1, stock: 3 });
      const [cb, cancel] = await Promise.allSettled([h.approve(payment.id), u.api.order.cancel({ id: order.id })]);
      expect(cb.status).toBe('fulfilled');
      const o = await u.api.order.get({ id: order.id });
      const p = await u.api.payment.get({ id: payment.id });
      if (o.status === 'paid') {
        expect(cancel.status).toBe('rejected');
        expect((await failure(h, Promise.reject((cancel as PromiseRejectedResult).reason))).data.appCode).toBe(
          'ILLEGAL_TRANSITION',
        );
        expect(p.status).toBe('succeeded');
        expect(await h.stock(sku)).toEqual({ onHand: 2, reserved: 0 });
      } else {
        expect(o.status).toBe('cancelled');
        expect(p.status).toBe('refunded');
        expect(await h.stock(sku)).toEqual({ onHand: 3, reserved: 0 });
      }
    }
  });
});
