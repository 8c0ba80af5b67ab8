import {
  EVENTS,
  PAYMENT_EVENT_VERSION,
  type PaymentRefundedV1,
  type Refund,
  type RefundInput,
} from '@zjmall/contracts';
import { DomainError, newId, withIdempotency } from '@zjmall/platform';
import { findPayment, paymentNotFound, select, type PaymentDeps } from './payment.deps';
import type { RefundRow, RefundSettler } from './refund-settle';

export type { RefundRow };

export const toRefund = (r: RefundRow): Refund => ({
  id: r.id,
  paymentId: r.payment_id,
  orderId: r.order_id,
  amount: r.amount,
  items: r.items,
  reason: r.reason,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * `payment.admin.refund`: full or partial. One transaction: order row locked, payment row locked,
 * `amount` ≤ what remains paid less the refunds still pending (REFUND_EXCEEDS_PAID). The sandbox
 * (no provider to ask) refunds at once in it: the order's refund (items back on hand, its refund
 * status partial/full), the refund row and the events. A real provider's refund is stored
 * `pending` (the order's side checked, not applied), asked for after the commit (idempotent per
 * refund id, which is its `out_request_no` / `out_refund_no`), and settled when the provider says
 * so: in this call (Alipay answers at once), by its notify or by the reconciliation job (WeChat).
 */
export function refundHandler(deps: PaymentDeps, settler: RefundSettler) {
  const { db, order, outbox, providers } = deps;

  return async function refund(adminId: string, input: RefundInput): Promise<Refund> {
    const { idempotencyKey, ...body } = input;
    const refundId = await withIdempotency(
      db,
      { scope: `user:${adminId}:payment.admin.refund`, key: idempotencyKey, input: body },
      async (tx) => {
        const known = await findPayment(db, input.paymentId, { tx });
        if (!known) throw paymentNotFound(input.paymentId);
        await order.payments.lockForPayment(tx, known.order_id);
        const p = (await findPayment(db, known.id, { tx, lock: true }))!;
        const [{ pending }] = await select<{ pending: number }>(
          db,
          `SELECT COALESCE(sum(amount), 0)::bigint AS pending FROM payment.refunds WHERE payment_id = $1 AND status = 'pending'`,
          [p.id],
          tx,
        );
        const refundable =
          p.status === 'succeeded' || p.status === 'partially_refunded' ? p.amount - p.refunded_amount - pending : 0;
        if (input.amount > refundable) {
          throw new DomainError('REFUND_EXCEEDS_PAID', 'The refund is more than what remains paid', {
            remaining: refundable,
            requested: input.amount,
          });
        }
        const id = newId();
        const items = input.items ?? [];
        if (providers.get(p.channel)?.refund) {
          // Checked now (the order's rules, in a savepoint rolled back), applied when the provider says it succeeded.
          await db.query('SAVEPOINT refund_check', { transaction: tx });
          await order.payments.applyRefund(tx, p.order_id, {
            refundId: id,
            amount: input.amount,
            items,
            actor: adminId,
            reason: input.reason,
          });
          await db.query('ROLLBACK TO SAVEPOINT refund_check', { transaction: tx });
          await db.query(
            `INSERT INTO payment.refunds (id, payment_id, order_id, amount, items, reason, status, operator)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'pending', $7)`,
            {
              bind: [id, p.id, p.order_id, input.amount, JSON.stringify(items), input.reason, adminId],
              transaction: tx,
            },
          );
          return id;
        }
        await order.payments.applyRefund(tx, p.order_id, {
          refundId: id,
          amount: input.amount,
          items,
          actor: adminId,
          reason: input.reason,
        });
        const refundedAmount = p.refunded_amount + input.amount;
        const status = refundedAmount === p.amount ? 'refunded' : 'partially_refunded';
        await db.query(
          `UPDATE payment.payments SET status = $2, refunded_amount = $3, updated_at = now() WHERE id = $1`,
          {
            bind: [p.id, status, refundedAmount],
            transaction: tx,
          },
        );
        await db.query(
          `INSERT INTO payment.refunds (id, payment_id, order_id, amount, items, reason, status, operator)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'succeeded', $7)`,
          { bind: [id, p.id, p.order_id, input.amount, JSON.stringify(items), input.reason, adminId], transaction: tx },
        );
        const data: PaymentRefundedV1 = {
          paymentId: p.id,
          orderId: p.order_id,
          refundId: id,
          amount: input.amount,
          refundedAmount,
          status,
          automatic: false,
        };
        await outbox.add(tx, {
          type: EVENTS.payment.refunded,
          aggregateId: p.id,
          data,
          version: PAYMENT_EVENT_VERSION,
        });
        return id;
      },
    );
    // A pending refund (this call's, or a repeat's whose answer was lost) is asked for now.
    await settler.dispatch(refundId);
    const [row] = await select<RefundRow>(db, `SELECT * FROM payment.refunds WHERE id = $1`, [refundId]);
    return toRefund(row);
  };
}
