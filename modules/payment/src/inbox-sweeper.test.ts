import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '@zjmall/contracts';
import { createPaymentHarness, type PaymentHarness } from './testing/harness';

let h: PaymentHarness;
beforeAll(async () => {
  h = await createPaymentHarness('payinbox');
});
afterAll(() => h?.close());

const inbox = (txn: string) =>
  h.q<{ status: string; outcome: string | null }>(
    `SELECT status, outcome FROM payment.inbox WHERE transaction_id = $1`,
    [txn],
  );

describe('payment inbox sweeper', () => {
  it('a stored callback whose processing never ran is processed by the sweeper, once', async () => {
    const { u, sku, order, payment } = await h.ordered({ price: 900, qty: 2, stock: 6 });
    // What a crash right after storing leaves behind: the verified callback in the inbox, nothing applied.
    const txn = `sbx_ok_${payment.id}`;
    const payload = {
      paymentId: payment.id,
      transactionId: txn,
      status: 'SUCCESS',
      amount: 1800,
      currency: 'CNY',
      timestamp: Math.floor(Date.now() / 1000),
      nonce: 'n-crash',
    };
    await h.q(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload, received_at) VALUES ('sandbox_alipay', $1, $2, $3::jsonb, now() - interval '5 minutes') RETURNING 1`,
      [txn, payment.id, JSON.stringify(payload)],
    );
    // A fresh entry is left alone (its own delivery may still be processing it).
    expect(await h.payment.reprocessInbox({ olderThanSeconds: 600 })).toEqual({ processed: 0, failed: 0 });
    expect((await u.api.order.get({ id: order.id })).status).toBe('pending_payment');

    const [a, b] = await Promise.all([h.payment.reprocessInbox(), h.payment.reprocessInbox()]);
    expect(a.failed + b.failed).toBe(0);
    expect(await inbox(txn)).toEqual([{ status: 'processed', outcome: 'succeeded' }]);
    expect(await u.api.order.get({ id: order.id })).toMatchObject({ status: 'paid', paidAmount: 1800 });
    expect(await h.stock(sku)).toEqual({ onHand: 4, reserved: 0 });
    expect(await h.events(EVENTS.order.paid, order.id)).toHaveLength(1);
    // Nothing left to do; the provider's own redelivery later is a duplicate.
    expect(await h.payment.reprocessInbox()).toEqual({ processed: 0, failed: 0 });
    expect((await h.approve(payment.id)).json()).toMatchObject({ ok: true, outcome: 'duplicate' });
    expect(await h.stock(sku)).toEqual({ onHand: 4, reserved: 0 });
  });

  it('an entry it cannot read is rejected (kept, not retried forever), and does not stop the others', async () => {
    const { payment } = await h.ordered({ price: 100, qty: 1, stock: 2 });
    await h.q(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload, received_at) VALUES ('sandbox_wechat', 'garbled-1', $1, '{"nonsense":true}'::jsonb, now() - interval '5 minutes') RETURNING 1`,
      [payment.id],
    );
    const { payment: other } = await h.ordered({ price: 100, qty: 1, stock: 2 });
    const txn = `sbx_ok_${other.id}`;
    const payload = {
      paymentId: other.id,
      transactionId: txn,
      status: 'SUCCESS',
      amount: 100,
      currency: 'CNY',
      timestamp: Math.floor(Date.now() / 1000),
      nonce: 'n2',
    };
    await h.q(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload, received_at) VALUES ('sandbox_alipay', $1, $2, $3::jsonb, now() - interval '4 minutes') RETURNING 1`,
      [txn, other.id, JSON.stringify(payload)],
    );
    expect(await h.payment.reprocessInbox()).toEqual({ processed: 1, failed: 1 });
    expect(await inbox('garbled-1')).toEqual([{ status: 'rejected', outcome: 'unreadable' }]);
    expect(await inbox(txn)).toEqual([{ status: 'processed', outcome: 'succeeded' }]);
    expect(await h.payment.reprocessInbox()).toEqual({ processed: 0, failed: 0 });
  });
});
