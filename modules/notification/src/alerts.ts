import { QueryTypes } from 'sequelize';
import { EVENTS, InventoryLowStockV1, PaymentAmountMismatchV1, type EventEnvelope } from '@zjmall/contracts';
import type { Bus, Db, DurableHandler } from '@zjmall/platform';
import { addEntries, type NewEntry } from './inbox.store';

/** Unpaid orders due within this are announced to staff (once per order, in bulk). */
export const EXPIRY_ALERT_SECONDS = 5 * 60;
/** At most this many order ids are listed in one expiring-orders alert (`count` has them all). */
const LISTED_ORDERS = 50;
const DEAD_LETTER_BATCH = 100;
/** Progress rows of expiring orders are dropped once they are this old (the orders are long gone by then). */
const EXPIRY_ALERTED_DAYS = 2;

export interface AlertPorts {
  expiringUnpaid(withinSeconds: number, limit?: number): Promise<{ id: string; orderNo: string; expiresAt: string }[]>;
}

const staff = (type: string, data: Record<string, unknown>, dedupeKey: string, eventId: string | null): NewEntry => ({
  userId: null,
  type,
  data,
  eventId,
  dedupeKey,
});

/** Staff alerts made from events: low stock and payment amount mismatches, to every admin's inbox. */
export function staffAlertHandler(deps: { db: Db; bus: Bus }): DurableHandler {
  const entryOf = (event: EventEnvelope): NewEntry | null => {
    const key = `${event.id}:staff`;
    if (event.type === EVENTS.inventory.lowStock) {
      const d = InventoryLowStockV1.parse(event.data);
      return staff(event.type, { ...d }, key, event.id);
    }
    if (event.type === EVENTS.payment.amountMismatch) {
      const d = PaymentAmountMismatchV1.parse(event.data);
      return staff(event.type, { ...d }, key, event.id);
    }
    return null;
  };
  return {
    name: 'notification-staff-alerts',
    types: [EVENTS.inventory.lowStock, EVENTS.payment.amountMismatch],
    async handle(event, tx) {
      const e = entryOf(event);
      if (e) await addEntries(deps, tx, [e]);
    },
  };
}

/**
 * Staff alerts where no event exists: unpaid orders about to expire (one alert per sweep for all
 * the orders newly due within EXPIRY_ALERT_SECONDS) and events a durable consumer gave up on
 * (platform.dead_letters, after a watermark). Safe in several processes at once: expiring orders
 * are claimed by primary key, the watermark row is locked.
 */
export function createAlertSweeper(deps: { db: Db; bus: Bus; ports: AlertPorts }) {
  const { db } = deps;

  async function expiring(): Promise<number> {
    const due = await deps.ports.expiringUnpaid(EXPIRY_ALERT_SECONDS);
    return db.transaction(async (tx) => {
      await db.query(`DELETE FROM notification.expiry_alerted WHERE alerted_at < now() - make_interval(days => $1)`, {
        bind: [EXPIRY_ALERTED_DAYS],
        transaction: tx,
      });
      if (due.length === 0) return 0;
      const claimed = await db.query<{ order_id: string }>(
        `INSERT INTO notification.expiry_alerted (order_id) SELECT unnest($1::uuid[])
         ON CONFLICT DO NOTHING RETURNING order_id`,
        { bind: [due.map((o) => o.id)], transaction: tx, type: QueryTypes.SELECT },
      );
      const fresh = new Set(claimed.map((r) => r.order_id));
      const orders = due.filter((o) => fresh.has(o.id));
      if (orders.length === 0) return 0;
      const listed = orders.slice(0, LISTED_ORDERS);
      await addEntries(deps, tx, [
        staff(
          'order.expiring',
          {
            count: orders.length,
            orderIds: listed.map((o) => o.id),
            orderNos: listed.map((o) => o.orderNo),
            before: orders[orders.length - 1].expiresAt,
          },
          `order.expiring:${orders[0].id}`,
          null,
        ),
      ]);
      return orders.length;
    });
  }

  async function deadLetters(): Promise<number> {
    return db.transaction(async (tx) => {
      await db.query(
        `INSERT INTO notification.watermarks (name, value) VALUES ('dead_letters', 0) ON CONFLICT DO NOTHING`,
        { transaction: tx },
      );
      const [mark] = await db.query<{ value: string }>(
        `SELECT value FROM notification.watermarks WHERE name = 'dead_letters' FOR UPDATE`,
        { transaction: tx, type: QueryTypes.SELECT },
      );
      const rows = await db.query<{ id: string; consumer: string; event_id: string; type: string; error: string }>(
        `SELECT id, consumer, event_id, event->>'type' AS type, error FROM platform.dead_letters
          WHERE id > $1 ORDER BY id LIMIT $2`,
        { bind: [mark.value, DEAD_LETTER_BATCH], transaction: tx, type: QueryTypes.SELECT },
      );
      if (rows.length === 0) return 0;
      await addEntries(
        deps,
        tx,
        rows.map((r) =>
          staff(
            'platform.dead_letter',
            { consumer: r.consumer, eventId: r.event_id, eventType: r.type, error: r.error.slice(0, 500) },
            `dead_letter:${r.id}`,
            null,
          ),
        ),
      );
      await db.query(`UPDATE notification.watermarks SET value = $1 WHERE name = 'dead_letters'`, {
        bind: [rows[rows.length - 1].id],
        transaction: tx,
      });
      return rows.length;
    });
  }

  /** One sweep: both kinds of alert. */
  async function runOnce(): Promise<{ expiring: number; deadLetters: number }> {
    return { expiring: await expiring(), deadLetters: await deadLetters() };
  }

  return { runOnce };
}
