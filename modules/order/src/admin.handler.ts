import {
  EVENTS,
  ORDER_EVENT_VERSION,
  type AdminOrderListInput,
  type AdminOrderPage,
  type OrderCompletedV1,
  type OrderShipInput,
  type OrderShippedV1,
} from '@zjmall/contracts';
import type { OrderDeps } from './order.deps';
import { lockOrder, loadOrder, readOrderRows, toOrders } from './order.view';
import { assertCanShip, transition } from './state-machine';
import type { AdminOrder } from '@zjmall/contracts';
import { decodeCursor, encodeCursor } from './cursor';

/** `order.admin.*`: every user's orders, ship (paid → shipped, not once fully refunded), complete (shipped → completed). */
export function adminHandlers(deps: OrderDeps) {
  const { db, outbox } = deps;

  async function list(input: AdminOrderListInput = {}): Promise<AdminOrderPage> {
    const limit = input.limit ?? 20;
    const rows = await readOrderRows(
      db,
      `($1::text IS NULL OR o.status = $1) AND ($2::text IS NULL OR o.refund_status = $2) AND ($3::uuid IS NULL OR o.user_id = $3)
       AND ($6::text IS NULL OR o.order_no = $6) AND ($4::uuid IS NULL OR o.id < $4) ORDER BY o.id DESC LIMIT $5`,
      [
        input.status ?? null,
        input.refundStatus ?? null,
        input.userId ?? null,
        decodeCursor(input.cursor),
        limit + 1,
        input.orderNo ?? null,
      ],
    );
    const page = rows.slice(0, limit);
    return {
      items: await toOrders(db, page),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async function ship(input: OrderShipInput, actor: string): Promise<AdminOrder> {
    await db.transaction(async (tx) => {
      const row = await lockOrder(db, tx, input.id);
      assertCanShip(row);
      await transition(db, tx, {
        orderId: row.id,
        from: row.status,
        to: 'shipped',
        actor,
        reason: `${input.carrier} ${input.trackingNo}`,
        set: 'shipped_at = now(), carrier = $4, tracking_no = $5',
        bind: [input.carrier, input.trackingNo],
      });
      const data: OrderShippedV1 = {
        orderId: row.id,
        orderNo: row.order_no,
        userId: row.user_id,
        status: 'shipped',
        refundStatus: row.refund_status,
        refundedAmount: row.refunded_amount,
        at: new Date().toISOString(),
        carrier: input.carrier,
        trackingNo: input.trackingNo,
      };
      await outbox.add(tx, { type: EVENTS.order.shipped, aggregateId: row.id, data, version: ORDER_EVENT_VERSION });
    });
    return loadOrder(db, input.id, null);
  }

  async function complete(id: string, actor: string): Promise<AdminOrder> {
    await db.transaction(async (tx) => {
      const row = await lockOrder(db, tx, id);
      await transition(db, tx, {
        orderId: id,
        from: row.status,
        to: 'completed',
        actor,
        reason: 'delivered',
        set: 'completed_at = now()',
      });
      const data: OrderCompletedV1 = {
        orderId: id,
        orderNo: row.order_no,
        userId: row.user_id,
        status: 'completed',
        refundStatus: row.refund_status,
        refundedAmount: row.refunded_amount,
        at: new Date().toISOString(),
      };
      await outbox.add(tx, { type: EVENTS.order.completed, aggregateId: id, data, version: ORDER_EVENT_VERSION });
    });
    return loadOrder(db, id, null);
  }

  return { list, ship, complete };
}
