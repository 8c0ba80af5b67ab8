import { QueryTypes, type Transaction } from 'sequelize';
import { newId, type Bus, type Db } from '@zjmall/platform';

/** The broadcast topic of new inbox entries (every process's `notification.onNew` streams listen). */
export const NEW_TOPIC = 'notification.new';

/** What goes to every process (in `{entries}`) when entries are committed: whom each is for, never its content. */
export interface NewEntrySignal {
  id: string;
  /** The customer's id, or null for a staff alert (every admin). */
  userId: string | null;
}

export interface NewEntry {
  /** A customer's id, or null for a staff alert. */
  userId: string | null;
  type: string;
  data: Record<string, unknown>;
  eventId: string | null;
  /** Unique: a second entry with the same key is not added (an event seen twice makes one entry). */
  dedupeKey: string;
}

/**
 * Adds inbox entries in the caller's transaction; after it commits, every process is told (the
 * onNew streams read the entry then). Returns the entries actually added (not the duplicates).
 */
export async function addEntries(
  deps: { db: Db; bus: Bus },
  tx: Transaction,
  entries: NewEntry[],
): Promise<NewEntrySignal[]> {
  if (entries.length === 0) return [];
  const rows = await deps.db.query<{ id: string; user_id: string | null }>(
    `INSERT INTO notification.notifications (id, audience, user_id, type, data, event_id, dedupe_key)
     SELECT e.id, CASE WHEN e.user_id IS NULL THEN 'staff' ELSE 'user' END, e.user_id, e.type, e.data, e.event_id, e.dedupe_key
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::uuid[], $6::text[])
            WITH ORDINALITY AS e(id, user_id, type, data, event_id, dedupe_key, n)
      ORDER BY e.n
     ON CONFLICT (dedupe_key) DO NOTHING
     RETURNING id, user_id`,
    {
      bind: [
        entries.map(() => newId()),
        entries.map((e) => e.userId),
        entries.map((e) => e.type),
        entries.map((e) => JSON.stringify(e.data)),
        entries.map((e) => e.eventId),
        entries.map((e) => e.dedupeKey),
      ],
      transaction: tx,
      type: QueryTypes.SELECT,
    },
  );
  const added = rows.map((r) => ({ id: r.id, userId: r.user_id }));
  if (added.length) {
    tx.afterCommit(() => {
      // One message per 500 entries (a price job may notify thousands of carts at once).
      for (let i = 0; i < added.length; i += 500)
        void deps.bus.broadcast(NEW_TOPIC, { entries: added.slice(i, i + 500) }).catch(() => {});
    });
  }
  return added;
}
