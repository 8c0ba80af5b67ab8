import type { Transaction } from 'sequelize';
import {
  EVENTS,
  ORDER_EVENT_VERSION,
  ORDER_REFUNDED_EVENT_VERSION,
  type OrderPaidV1,
  type OrderRefundStatus,
  type OrderRefundedV2,
  type OrderStatus,
} from '@zjmall/contracts';
import { DomainError } from '@zjmall/platform';
import { select, type OrderDeps } from './order.deps';
import { lockOrder, type OrderRow } from './order.view';
import { REFUNDABLE, assertTransition, recordRefund, transition } from './state-machine';

/** What payment sees of a locked order. */
export interface OrderForPayment {
  id: string;
  orderNo: string;
  userId: string;
  status: OrderStatus;
  payableAmount: number;
  paidAmount: number;
  refundedAmount: number;
  currency: string;
  /** expiresAt has passed (database clock), whether or not the canceller has run yet. */
  expired: boolean;
  paymentId: string | null;
}

export interface RefundToOrder {
  refundId: string;
  amount: number;
  items: { skuId: string; quantity: number }[];
  actor: string;
  reason: string;
}

const forPayment = (r: OrderRow): OrderForPayment => ({
  id: r.id,
  orderNo: r.order_no,
  userId: r.user_id,
  status: r.status,
  payableAmount: r.payable_amount,
  paidAmount: r.paid_amount,
  refundedAmount: r.refunded_amount,
  currency: r.currency,
  expired: r.expired,
  paymentId: r.payment_id,
});

/**
 * The order operations payment drives, each in payment's transaction on an order row locked by
 * `lockForPayment` (payment always locks the order before its own rows, as checkout and cancel do).
 */
export function paymentPort(deps: OrderDeps) {
  const { db, inventory, outbox } = deps;

  return {
    /** Locks the order (FOR UPDATE); with `userId`, another user's order is ORDER_NOT_FOUND. */
    async lockForPayment(tx: Transaction, orderId: string, userId?: string): Promise<OrderForPayment> {
      return forPayment(await lockOrder(db, tx, orderId, userId));
    },

    /** pending_payment → paid: the reservations are consumed (stock deducted) and `order.paid` is recorded. */
    async markPaid(
      tx: Transaction,
      orderId: string,
      paid: { paymentId: string; amount: number; actor: string },
    ): Promise<void> {
      // The caller holds the order's row lock (lockForPayment); the conditional UPDATE moves it
      // only from pending_payment, and answers what the event needs — one statement with the log row.
      const row = await transition<{ order_no: string; user_id: string; currency: string; payable_amount: number }>(
        db,
        tx,
        {
          orderId,
          from: 'pending_payment',
          to: 'paid',
          actor: paid.actor,
          reason: `payment ${paid.paymentId}`,
          set: 'paid_at = now(), paid_amount = $4, payment_id = $5',
          bind: [paid.amount, paid.paymentId],
          returning: 'order_no, user_id, currency, payable_amount',
        },
      ).catch(async (e: unknown) => {
        // Not pending_payment: report the move from the status it has (ILLEGAL_TRANSITION as before).
        if (e instanceof DomainError && e.appCode === 'ILLEGAL_TRANSITION')
          assertTransition((await lockOrder(db, tx, orderId)).status, 'paid', orderId);
        throw e;
      });
      if (paid.amount !== row.payable_amount) {
        // Thrown inside the caller's transaction: the UPDATE above never commits.
        throw new DomainError('PAYMENT_AMOUNT_MISMATCH', 'The amount paid is not what the order costs', {
          orderId,
          expected: row.payable_amount,
          received: paid.amount,
        });
      }
      await inventory.consume({ type: 'order', id: orderId }, tx);
      const data: OrderPaidV1 = {
        orderId,
        orderNo: row.order_no,
        userId: row.user_id,
        status: 'paid',
        refundStatus: 'none',
        refundedAmount: 0,
        at: new Date().toISOString(),
        paymentId: paid.paymentId,
        amount: paid.amount,
        currency: row.currency,
      };
      await outbox.add(tx, { type: EVENTS.order.paid, aggregateId: orderId, data, version: ORDER_EVENT_VERSION });
    },

    /**
     * A refund against the order: `amount` ≤ what remains paid (REFUND_EXCEEDS_PAID), refunded items
     * go back on hand (ledger IN, ref ORDER) and the order's refund status becomes partial, or full
     * when everything paid was returned; its fulfilment status stays (a partly refunded order still
     * ships and completes).
     */
    async applyRefund(
      tx: Transaction,
      orderId: string,
      refund: RefundToOrder,
    ): Promise<{ status: OrderStatus; refundStatus: OrderRefundStatus; refundedAmount: number }> {
      const row = await lockOrder(db, tx, orderId);
      if (!REFUNDABLE.includes(row.status)) {
        throw new DomainError('ILLEGAL_TRANSITION', `An order that is ${row.status} cannot be refunded`, {
          orderId,
          from: row.status,
        });
      }
      const remaining = row.paid_amount - row.refunded_amount;
      if (refund.amount > remaining) {
        throw new DomainError('REFUND_EXCEEDS_PAID', 'The refund is more than what remains paid', {
          remaining,
          requested: refund.amount,
        });
      }
      const lines = await select<{ sku_id: string; quantity: number; refunded_quantity: number }>(
        db,
        `SELECT sku_id, quantity, refunded_quantity FROM "order".order_items WHERE order_id = $1`,
        [orderId],
        tx,
      );
      const bySku = new Map(lines.map((l) => [l.sku_id, l]));
      const items = mergeItems(refund.items);
      for (const it of items) {
        const line = bySku.get(it.skuId);
        const left = line ? line.quantity - line.refunded_quantity : 0;
        if (it.quantity > left) {
          throw new DomainError('REFUND_EXCEEDS_PAID', 'More units returned than remain on the order', {
            skuId: it.skuId,
            remaining: left,
            requested: it.quantity,
          });
        }
      }
      const refundedAmount = row.refunded_amount + refund.amount;
      const refundStatus = refundedAmount === row.paid_amount ? 'full' : 'partial';
      await recordRefund(db, tx, {
        orderId,
        status: row.status,
        refundedAmount,
        refundStatus,
        actor: refund.actor,
        reason: refund.reason,
      });
      if (items.length) {
        await db.query(
          `UPDATE "order".order_items i SET refunded_quantity = i.refunded_quantity + r.q
             FROM unnest($2::uuid[], $3::int[]) AS r(sku, q) WHERE i.order_id = $1 AND i.sku_id = r.sku`,
          { bind: [orderId, items.map((i) => i.skuId), items.map((i) => i.quantity)], transaction: tx },
        );
        await inventory.returnStock(tx, items, {
          operator: refund.actor,
          reason: `refund ${refund.refundId}: ${refund.reason}`,
          refType: 'ORDER',
          refId: orderId,
        });
      }
      const data: OrderRefundedV2 = {
        orderId,
        orderNo: row.order_no,
        userId: row.user_id,
        status: row.status,
        refundStatus,
        refundedAmount,
        at: new Date().toISOString(),
        refundId: refund.refundId,
        amount: refund.amount,
        items,
      };
      await outbox.add(tx, {
        type: EVENTS.order.refunded,
        aggregateId: orderId,
        data,
        version: ORDER_REFUNDED_EVENT_VERSION,
      });
      return { status: row.status, refundStatus, refundedAmount };
    },
  };
}

export type OrderPaymentPort = ReturnType<typeof paymentPort>;

function mergeItems(items: { skuId: string; quantity: number }[]) {
  const m = new Map<string, number>();
  for (const i of items) m.set(i.skuId, (m.get(i.skuId) ?? 0) + i.quantity);
  return [...m].map(([skuId, quantity]) => ({ skuId, quantity }));
}
