import { EVENTS, OrderCancelledV1, type PaymentChannel } from '@zjmall/contracts';
import type { DurableHandler } from '@zjmall/platform';
import type { Outcome } from './callback.handler';
import { select, toProviderPayment, type PaymentDeps, type PaymentRow } from './payment.deps';
import { ProviderUnavailable, type VerifiedCallback } from './providers/provider';

/**
 * When an order is cancelled (by its customer or the timeout canceller), its pending payments are
 * closed: at the provider first (Alipay's trade.close, WeChat's close), then here. A payment the
 * provider reports paid during the close is applied through the inbox, like its notify: the order
 * is already cancelled and its stock released, so today's rule for a late success holds — the money
 * is refunded automatically and the order stays cancelled. A provider that does not answer does not
 * hold the cancellation up: the payment is closed here, and a success that still comes is refunded
 * the same way. A durable consumer (once per event), so order never imports payment.
 */
export function closePaymentsOnOrderCancelled(
  deps: PaymentDeps,
  receive: (channel: PaymentChannel, cb: VerifiedCallback) => Promise<Outcome>,
): DurableHandler {
  const { db, providers, log } = deps;
  return {
    name: 'payment-close-on-order-cancelled',
    types: [EVENTS.order.cancelled],
    async handle(event, tx) {
      const data = OrderCancelledV1.parse(event.data);
      const open = await select<PaymentRow>(
        db,
        `SELECT * FROM payment.payments WHERE order_id = $1 AND status = 'pending'`,
        [data.orderId],
        tx,
      );
      const paid: { channel: PaymentChannel; cb: VerifiedCallback }[] = [];
      for (const p of open) {
        const provider = providers.get(p.channel);
        if (!provider?.close) continue;
        try {
          const r = await provider.close(toProviderPayment(p));
          if (!r.closed) paid.push({ channel: p.channel, cb: r.paid });
        } catch (err) {
          if (!(err instanceof ProviderUnavailable)) throw err;
          log.warn({ err, paymentId: p.id, channel: p.channel }, 'payment not closed at the provider; closed here');
        }
      }
      await db.query(
        `UPDATE payment.payments SET status = 'closed', closed_at = now(), updated_at = now()
          WHERE order_id = $1 AND status = 'pending' AND NOT (id = ANY($2::uuid[]))`,
        { bind: [data.orderId, paid.map((x) => x.cb.paymentId)], transaction: tx },
      );
      for (const x of paid) await receive(x.channel, x.cb);
    },
  };
}
