import type { Transaction } from 'sequelize';
import { EVENTS, ORDER_EVENT_VERSION, type OrderCancelledV1 } from '@zjmall/contracts';
import type { Logger } from '@zjmall/platform';
import { select, type OrderDeps } from './order.deps';
import { lockOrder, type OrderRow } from './order.view';
import { transition } from './state-machine';

export interface CancelRequest {
  orderId: string;
  /** Scope to this user (customer cancel); null for the system. */
  userId: string | null;
  actor: string;
  reason: string | null;
}

/**
 * pending_payment → cancelled, in one transaction: the order row is locked, the transition and its
 * log row are written, the order's reservations are released (once: a second cancel is an illegal
 * transition), its coupon use is given back (pricing; once, like the stock) and `order.cancelled`
 * goes to the outbox (payment closes its pending payment on it).
 */
export function cancelHandlers(deps: OrderDeps) {
  const { db, inventory, outbox, coupons } = deps;

  async function cancelLocked(tx: Transaction, row: OrderRow, actor: string, reason: string | null): Promise<void> {
    await transition(db, tx, {
      orderId: row.id,
      from: row.status,
      to: 'cancelled',
      actor,
      reason,
      set: 'cancelled_at = now()',
    });
    await inventory.release({ type: 'order', id: row.id }, undefined, {
      tx,
      reason: reason ?? 'order cancelled',
      operator: actor,
    });
    // Last in the lock order (order row, stock rows, coupon row), as in checkout.
    if (row.coupon_code) await coupons.release(row.id, tx);
    const data: OrderCancelledV1 = {
      orderId: row.id,
      orderNo: row.order_no,
      userId: row.user_id,
      status: 'cancelled',
      refundStatus: row.refund_status,
      refundedAmount: row.refunded_amount,
      at: new Date().toISOString(),
      reason,
      actor,
    };
    await outbox.add(tx, { type: EVENTS.order.cancelled, aggregateId: row.id, data, version: ORDER_EVENT_VERSION });
  }

  async function cancel(req: CancelRequest): Promise<void> {
    await db.transaction(async (tx) => {
      const row = await lockOrder(db, tx, req.orderId, req.userId ?? undefined);
      await cancelLocked(tx, row, req.actor, req.reason);
    });
  }

  /**
   * The timeout canceller: cancels unpaid orders whose expiresAt passed (database clock). Each
   * order is cancelled in its own short transaction, claimed with SKIP LOCKED, so several
   * processes can run it at once and a checkout or payment holding an order is never waited on.
   */
  async function cancelExpired(limit = 500): Promise<{ cancelled: number }> {
    let cancelled = 0;
    while (cancelled < limit) {
      const done = await db.transaction(async (tx) => {
        const [row] = await select<OrderRow>(
          db,
          `SELECT o.*, true AS expired FROM "order".orders o
            WHERE o.status = 'pending_payment' AND o.expires_at <= now()
            ORDER BY o.expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [],
          tx,
        );
        if (!row) return false;
        await cancelLocked(tx, row, 'system', 'payment timeout');
        return true;
      });
      if (!done) break;
      cancelled += 1;
    }
    return { cancelled };
  }

  return { cancel, cancelLocked, cancelExpired };
}

export interface OrderTimeoutCanceller {
  start(): void;
  stop(): Promise<void>;
  runOnce(): Promise<{ cancelled: number }>;
}

/** Runs `cancelExpired` every SWEEP_INTERVAL_SECONDS (modules/api's jobs start it). */
export function createOrderTimeoutCanceller(opts: {
  order: { cancelExpired(): Promise<{ cancelled: number }> };
  intervalSeconds: number;
  log: Logger;
}): OrderTimeoutCanceller {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const runOnce = () => opts.order.cancelExpired();
  const tick = () => {
    if (running) return;
    running = runOnce()
      .then((r) => {
        if (r.cancelled) opts.log.info({ cancelled: r.cancelled }, 'unpaid orders cancelled after the payment timeout');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'order timeout canceller failed'))
      .finally(() => (running = null));
  };
  return {
    start() {
      if (!timer) timer = setInterval(tick, Math.max(50, opts.intervalSeconds * 1000));
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    runOnce,
  };
}
