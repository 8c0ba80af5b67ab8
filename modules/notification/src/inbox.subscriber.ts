import { QueryTypes } from 'sequelize';
import {
  EVENTS,
  OrderCancelledV1,
  OrderCreatedV1,
  OrderPaidV1,
  OrderRefundedV2,
  OrderShippedV1,
  OrderCompletedV1,
  PaymentFailedV1,
  PriceChangedV1,
  ProductUnpublishedV1,
  type EventEnvelope,
} from '@zjmall/contracts';
import type { Bus, Db, DurableHandler } from '@zjmall/platform';
import type { Transaction } from 'sequelize';
import { addEntries, type NewEntry } from './inbox.store';

/** What the inbox needs from other modules (cart and order, wired in modules/api). */
export interface InboxPorts {
  /** Signed-in customers whose active cart holds any of these SKUs. */
  holdersOf(skuIds: readonly string[]): Promise<{ userId: string; skuId: string }[]>;
  /** The customer and number of an order (for payment events, which carry neither). */
  orderOwner(orderId: string): Promise<{ userId: string; orderNo: string } | null>;
}

export interface InboxDeps {
  db: Db;
  bus: Bus;
  timeZone: string;
  ports: InboxPorts;
}

/** Event types the customer inbox is made from, in one consumer so that entries keep the events' order. */
export const INBOX_EVENT_TYPES = [
  EVENTS.order.created,
  EVENTS.order.paid,
  EVENTS.order.shipped,
  EVENTS.order.completed,
  EVENTS.order.cancelled,
  EVENTS.order.refunded,
  EVENTS.payment.failed,
  EVENTS.catalog.priceChanged,
  EVENTS.catalog.productUnpublished,
];

/** The derived type of a price-drop entry (no event has it: it comes from `catalog.price_changed`). */
export const PRICE_DROPPED = 'catalog.price_dropped';

const one = (event: EventEnvelope, userId: string, type: string, data: Record<string, unknown>): NewEntry => ({
  userId,
  type,
  data,
  eventId: event.id,
  dedupeKey: `${event.id}:${userId}`,
});

function cancelledBy(d: OrderCancelledV1): 'timeout' | 'customer' | 'admin' {
  if (d.actor === 'system') return 'timeout';
  return d.actor === d.userId ? 'customer' : 'admin';
}

/** The calendar day of `iso` in the store's time zone (YYYY-MM-DD). */
function storeDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );
}

/**
 * The customer inbox: a durable consumer turning order, payment and catalog events into entries
 * (once per event id: the consumer wrapper's handled ids, and each entry's dedupe key).
 */
export function inboxHandler(deps: InboxDeps): DurableHandler {
  const { db } = deps;

  async function priceDrops(event: EventEnvelope, tx: Transaction): Promise<NewEntry[]> {
    const d = PriceChangedV1.parse(event.data);
    const drops = new Map(d.changes.filter((c) => c.newPrice < c.oldPrice).map((c) => [c.skuId, c]));
    if (drops.size === 0) return [];
    const holders = await deps.ports.holdersOf([...drops.keys()]);
    if (holders.length === 0) return [];
    // At most once per SKU per customer per day: the SKUs already told today are left out.
    const fresh = await db.query<{ user_id: string; sku_id: string }>(
      `INSERT INTO notification.price_drop_sent (user_id, sku_id, day)
       SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS h(user_id, sku_id) CROSS JOIN (SELECT $3::date) AS d
       ON CONFLICT DO NOTHING RETURNING user_id, sku_id`,
      {
        bind: [holders.map((h) => h.userId), holders.map((h) => h.skuId), storeDay(event.occurredAt, deps.timeZone)],
        transaction: tx,
        type: QueryTypes.SELECT,
      },
    );
    const byUser = new Map<string, { skuId: string; oldPrice: number; newPrice: number }[]>();
    for (const r of fresh) {
      const c = drops.get(r.sku_id)!;
      const list = byUser.get(r.user_id) ?? byUser.set(r.user_id, []).get(r.user_id)!;
      list.push({ skuId: c.skuId, oldPrice: c.oldPrice, newPrice: c.newPrice });
    }
    return [...byUser].map(([userId, skus]) =>
      one(event, userId, PRICE_DROPPED, { skuIds: skus.map((s) => s.skuId), skus }),
    );
  }

  async function entriesOf(event: EventEnvelope, tx: Transaction): Promise<NewEntry[]> {
    switch (event.type) {
      case EVENTS.order.created: {
        const d = OrderCreatedV1.parse(event.data);
        return [
          one(event, d.userId, event.type, {
            orderId: d.orderId,
            orderNo: d.orderNo,
            amount: d.payableAmount,
            currency: d.currency,
            expiresAt: d.expiresAt,
          }),
        ];
      }
      case EVENTS.order.paid: {
        const d = OrderPaidV1.parse(event.data);
        const data = { orderId: d.orderId, orderNo: d.orderNo, paymentId: d.paymentId, amount: d.amount };
        return [one(event, d.userId, event.type, { ...data, currency: d.currency })];
      }
      case EVENTS.order.shipped: {
        const d = OrderShippedV1.parse(event.data);
        const data = { orderId: d.orderId, orderNo: d.orderNo, carrier: d.carrier, trackingNo: d.trackingNo };
        return [one(event, d.userId, event.type, data)];
      }
      case EVENTS.order.completed: {
        const d = OrderCompletedV1.parse(event.data);
        return [one(event, d.userId, event.type, { orderId: d.orderId, orderNo: d.orderNo })];
      }
      case EVENTS.order.cancelled: {
        const d = OrderCancelledV1.parse(event.data);
        const data = { orderId: d.orderId, orderNo: d.orderNo, by: cancelledBy(d), reason: d.reason };
        return [one(event, d.userId, event.type, data)];
      }
      case EVENTS.order.refunded: {
        if (event.version !== 2) return [];
        const d = OrderRefundedV2.parse(event.data);
        return [
          one(event, d.userId, event.type, {
            orderId: d.orderId,
            orderNo: d.orderNo,
            refundId: d.refundId,
            amount: d.amount,
            refundedAmount: d.refundedAmount,
            full: d.refundStatus === 'full',
          }),
        ];
      }
      case EVENTS.payment.failed: {
        const d = PaymentFailedV1.parse(event.data);
        const owner = await deps.ports.orderOwner(d.orderId);
        if (!owner) return [];
        const data = { orderId: d.orderId, orderNo: owner.orderNo, paymentId: d.paymentId };
        return [one(event, owner.userId, event.type, data)];
      }
      case EVENTS.catalog.priceChanged:
        return priceDrops(event, tx);
      case EVENTS.catalog.productUnpublished: {
        const d = ProductUnpublishedV1.parse(event.data);
        const holders = await deps.ports.holdersOf(d.skuIds);
        const byUser = new Map<string, string[]>();
        for (const h of holders) (byUser.get(h.userId) ?? byUser.set(h.userId, []).get(h.userId)!).push(h.skuId);
        return [...byUser].map(([userId, skuIds]) =>
          one(event, userId, event.type, { productId: d.productId, skuIds }),
        );
      }
      default:
        return [];
    }
  }

  return {
    name: 'notification-inbox',
    types: INBOX_EVENT_TYPES,
    async handle(event, tx) {
      await addEntries(deps, tx, await entriesOf(event, tx));
    },
  };
}
