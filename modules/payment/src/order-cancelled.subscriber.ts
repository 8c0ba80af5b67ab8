import { EVENTS, OrderCancelledV1 } from '@zjmall/contracts';
import type { Db, DurableHandler } from '@zjmall/platform';

/**
 * When an order is cancelled (by its customer or the timeout canceller), its pending payment is
 * closed. A durable consumer (once per event), so order never imports payment. A success that
 * still arrives for it is refunded automatically (callback.handler.ts).
 */
export function closePaymentsOnOrderCancelled(db: Db): DurableHandler {
  return {
    name: 'payment-close-on-order-cancelled',
    types: [EVENTS.order.cancelled],
    async handle(event, tx) {
      const data = OrderCancelledV1.parse(event.data);
      await db.query(
        `UPDATE payment.payments SET status = 'closed', closed_at = now(), updated_at = now() WHERE order_id = $1 AND status = 'pending'`,
        { bind: [data.orderId], transaction: tx },
      );
    },
  };
}
