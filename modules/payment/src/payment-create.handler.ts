import { DomainError, newId, withIdempotency } from '@zjmall/platform';
import type { Payment, PaymentCreateInput } from '@zjmall/contracts';
import { findPayment, select, toPayment, type PaymentDeps, type PaymentRow } from './payment.deps';
import { createReturnUrlResolver } from './return-url';

/**
 * `payment.create`: for a pending_payment order whose deadline has not passed (else
 * ORDER_EXPIRED). One open payment per order: the open one is returned for the same channel, and
 * closed (a new one opened) for another channel. Order row first, then payment rows: the lock
 * order every payment use case follows. `returnUrl` (resolved to an absolute URL on a trusted
 * origin, else BAD_REQUEST naming it) is stored on the payment; given again for the open payment of
 * the same channel, it replaces the stored one (the customer's latest page wins); left out, the
 * stored one stays. A payment opened for another channel has only the returnUrl of its own call.
 */
export function createPaymentHandler(deps: PaymentDeps) {
  const { db, order, providers, config } = deps;
  const resolveReturnUrl = createReturnUrlResolver(config);

  return async function create(userId: string, input: PaymentCreateInput): Promise<Payment> {
    const { idempotencyKey, ...body } = input;
    const returnUrl = resolveReturnUrl(input.returnUrl);
    if (!providers.has(input.channel)) {
      throw new DomainError('PAYMENT_NOT_FOUND', `Payment channel ${input.channel} is not enabled`, {
        channel: input.channel,
      });
    }
    // The payment this call opened is answered as inserted; a repeat of the key (or the open one
    // kept for the same channel) is read after the commit.
    let opened: PaymentRow | undefined;
    const paymentId = await withIdempotency(
      db,
      { scope: `user:${userId}:payment.create`, key: idempotencyKey, input: body },
      async (tx) => {
        const o = await order.payments.lockForPayment(tx, input.orderId, userId);
        if (o.status === 'cancelled' || (o.status === 'pending_payment' && o.expired)) {
          throw new DomainError('ORDER_EXPIRED', 'This order can no longer be paid', {
            orderId: o.id,
            status: o.status,
          });
        }
        if (o.status !== 'pending_payment') {
          throw new DomainError('ILLEGAL_TRANSITION', `An order that is ${o.status} cannot be paid`, {
            orderId: o.id,
            from: o.status,
            to: 'paid',
          });
        }
        // Usually the order has no open payment: open one in the statement that checks (the order's row
        // lock, held, keeps every other writer of its payments out meanwhile).
        const id = newId();
        [opened] = await select<PaymentRow>(
          db,
          `INSERT INTO payment.payments (id, order_id, user_id, channel, status, amount, currency, return_url)
         SELECT $1, $2, $3, $4, 'pending', $5, $6, $7
          WHERE NOT EXISTS (SELECT 1 FROM payment.payments WHERE order_id = $2 AND status = 'pending')
         RETURNING *`,
          [id, o.id, userId, input.channel, o.payableAmount, o.currency, returnUrl],
          tx,
        );
        if (opened) return id;
        const [open] = await select<PaymentRow>(
          db,
          `SELECT * FROM payment.payments WHERE order_id = $1 AND status = 'pending' FOR UPDATE`,
          [o.id],
          tx,
        );
        if (open && open.channel === input.channel) {
          if (returnUrl !== null && returnUrl !== open.return_url) {
            [opened] = await select<PaymentRow>(
              db,
              `UPDATE payment.payments SET return_url = $2, updated_at = now() WHERE id = $1 RETURNING *`,
              [open.id, returnUrl],
              tx,
            );
          }
          return open.id;
        }
        if (open) {
          await db.query(
            `UPDATE payment.payments SET status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1`,
            {
              bind: [open.id],
              transaction: tx,
            },
          );
        }
        [opened] = await select<PaymentRow>(
          db,
          `INSERT INTO payment.payments (id, order_id, user_id, channel, status, amount, currency, return_url) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7) RETURNING *`,
          [id, o.id, userId, input.channel, o.payableAmount, o.currency, returnUrl],
          tx,
        );
        return id;
      },
    );
    const row = opened?.id === paymentId ? opened : await findPayment(db, paymentId, { userId });
    return toPayment(row!, providers, config.PUBLIC_BASE_URL);
  };
}
