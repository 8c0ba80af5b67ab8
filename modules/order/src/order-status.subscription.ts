import { EVENTS, type OrderRefundStatus, type OrderStatus, type OrderStatusChange } from '@zjmall/contracts';
import type { Bus, Db } from '@zjmall/platform';
import { loadOrder } from './order.view';

const ORDER_TYPES = Object.values(EVENTS.order);

/**
 * How far along the lifecycle a status is. Events reach a subscriber through the relay, possibly
 * after the status was read (an `order.created` published late): one that would move the order
 * back is stale and skipped. `cancelled` only ever follows `pending_payment`.
 */
const STAGE: Record<OrderStatus, number> = { pending_payment: 0, paid: 1, cancelled: 1, shipped: 2, completed: 3 };

/**
 * `order.onStatus`: the order's status now, then every change, from whichever process made it
 * (the bus's live fan-out: plain NATS subjects with NATS on). Another user's order is
 * ORDER_NOT_FOUND. The listener is attached before the current status is read, so a change made
 * in between is not lost (at worst a status is repeated); after the bus reconnects to NATS the
 * status is read again, since events sent meanwhile may have been missed.
 */
export async function* watchOrderStatus(
  deps: { db: Db; bus: Bus },
  userId: string,
  orderId: string,
  signal?: AbortSignal,
): AsyncGenerator<OrderStatusChange> {
  const queue: OrderStatusChange[] = [];
  let wake: (() => void) | null = null;
  const off = deps.bus.onLive(ORDER_TYPES, (event) => {
    if (event.aggregateId !== orderId) return;
    const d = event.data as {
      orderNo?: string;
      status?: OrderStatus;
      refundStatus?: OrderRefundStatus;
      refundedAmount?: number;
      at?: string;
    };
    if (!d.status || !d.orderNo) return;
    queue.push({
      id: orderId,
      orderNo: d.orderNo,
      status: d.status,
      refundStatus: d.refundStatus ?? 'none',
      refundedAmount: d.refundedAmount ?? 0,
      at: d.at ?? event.occurredAt,
    });
    wake?.();
  });
  // Back on NATS after a disconnection: events of changes made meanwhile may never arrive here, so
  // the order is read again (and pushed if it moved on).
  let reread = false;
  const offReconnect = deps.bus.onReconnect(() => {
    reread = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  const current = async (): Promise<OrderStatusChange> => {
    const order = await loadOrder(deps.db, orderId, userId);
    return {
      id: order.id,
      orderNo: order.orderNo,
      status: order.status,
      refundStatus: order.refundStatus,
      refundedAmount: order.refundedAmount,
      at: order.log.at(-1)?.at ?? order.createdAt,
    };
  };
  try {
    const first = await current();
    let last = { status: first.status, refundedAmount: first.refundedAmount };
    yield first;
    while (!signal?.aborted) {
      if (reread) {
        reread = false;
        queue.push(await current());
      }
      const next = queue.shift();
      if (next) {
        // Seen already or stale (an event from before the read above, published late); every
        // refund raises the amount.
        if (STAGE[next.status] < STAGE[last.status]) continue;
        if (next.status === last.status && next.refundedAmount <= last.refundedAmount) continue;
        last = { status: next.status, refundedAmount: next.refundedAmount };
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    off();
    offReconnect();
    signal?.removeEventListener('abort', onAbort);
  }
}
