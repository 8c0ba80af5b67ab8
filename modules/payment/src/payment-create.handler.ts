import { DomainError, newId, withIdempotency } from '@zjmall/platform';
import type { Payment, PaymentCreateInput } from '@zjmall/contracts';
import { findPayment, select, toPayment, toProviderPayment, type PaymentDeps, type PaymentRow } from './payment.deps';
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
    const provider = providers.get(input.channel);
    if (!provider) {
      throw new DomainError('CHANNEL_UNAVAILABLE', `Payment channel ${input.channel} is not switched on`, {
        channel: input.channel,
      });
    }
    const device = input.device ?? null;
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
          `INSERT INTO payment.payments (id, order_id, user_id, channel, status, amount, currency, return_url, device)
         SELECT $1, $2, $3, $4, 'pending', $5, $6, $7, $8
          WHERE NOT EXISTS (SELECT 1 FROM payment.payments WHERE order_id = $2 AND status = 'pending')
         RETURNING *`,
          [id, o.id, userId, input.channel, o.payableAmount, o.currency, returnUrl, device ?? 'desktop'],
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
          if ((returnUrl !== null && returnUrl !== open.return_url) || (device !== null && device !== open.device)) {
            [opened] = await select<PaymentRow>(
              db,
              `UPDATE payment.payments SET return_url = COALESCE($2, return_url), device = COALESCE($3, device), updated_at = now()
                WHERE id = $1 RETURNING *`,
              [open.id, returnUrl, device],
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
          `INSERT INTO payment.payments (id, order_id, user_id, channel, status, amount, currency, return_url, device)
           VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8) RETURNING *`,
          [id, o.id, userId, input.channel, o.payableAmount, o.currency, returnUrl, device ?? 'desktop'],
          tx,
        );
        return id;
      },
    );
    let row = (opened?.id === paymentId ? opened : await findPayment(db, paymentId, { userId }))!;
    // A real provider opens the trade after the commit (a network call is never made holding the
    // order's lock): its pay URL (and QR code) are stored on the payment. Made again when this call
    // wrote the row (a new returnUrl or device changes the URL) or when an earlier attempt failed.
    if (provider.open && row.status === 'pending' && (row.pay_url === null || opened?.id === paymentId)) {
      let made: { payUrl: string; qrCode: string | null };
      try {
        made = await provider.open(toProviderPayment(row));
      } catch (err) {
        deps.log.warn({ err, paymentId: row.id, channel: row.channel }, 'payment provider could not open the trade');
        throw new DomainError('BUSY', 'The payment provider did not answer; try again shortly', {
          channel: row.channel,
          retryable: true,
        });
      }
      const [updated] = await select<PaymentRow>(
        db,
        `UPDATE payment.payments SET pay_url = $2, qr_code = $3, updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
        [row.id, made.payUrl, made.qrCode],
      );
      row = updated ?? (await findPayment(db, paymentId, { userId }))!;
    }
    return toPayment(row, providers, config.PUBLIC_BASE_URL);
  };
}
