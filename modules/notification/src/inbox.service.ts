import { QueryTypes } from 'sequelize';
import type {
  Notification,
  NotificationListInput,
  NotificationLocale,
  NotificationMarkReadInput,
  NotificationNews,
  NotificationPage,
} from '@zjmall/contracts';
import type { Bus, Db, Role } from '@zjmall/platform';
import { decodeCursor, encodeCursor } from './cursor';
import { NEW_TOPIC, type NewEntrySignal } from './inbox.store';
import { render } from './templates';

export interface Reader {
  id: string;
  role: Role;
}

export interface InboxServiceDeps {
  db: Db;
  bus: Bus;
  config: { STORE_CURRENCY: string; STORE_TIMEZONE: string; STORE_LOCALE: NotificationLocale };
}

interface Row {
  id: string;
  type: string;
  data: Record<string, unknown>;
  audience: 'user' | 'staff';
  created_at: Date;
  read_at: Date | null;
}

const DEFAULT_LIMIT = 20;
/** Entries a slow onNew client may have waiting; older ones are dropped (the bell re-reads the list anyway). */
const MAX_QUEUED = 200;

// The reader's entries: their own, and every staff alert when they are an admin; readAt is their own.
const SELECT = `SELECT n.id, n.type, n.data, n.audience, n.created_at, COALESCE(n.read_at, r.read_at) AS read_at
  FROM notification.notifications n
  LEFT JOIN notification.staff_reads r ON n.audience = 'staff' AND r.notification_id = n.id AND r.user_id = $1
 WHERE (n.user_id = $1 OR ($2::boolean AND n.audience = 'staff'))`;

/** notification.list / unreadCount / markRead / onNew. */
export function createInboxService(deps: InboxServiceDeps) {
  const { db, bus, config } = deps;
  const isAdmin = (r: Reader) => r.role === 'admin';

  const view = (row: Row, locale: NotificationLocale): Notification => ({
    id: row.id,
    type: row.type,
    ...render(row.type, row.data, { locale, currency: config.STORE_CURRENCY, timeZone: config.STORE_TIMEZONE }),
    data: row.data,
    staff: row.audience === 'staff',
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at ? row.read_at.toISOString() : null,
  });

  async function list(reader: Reader, input: NotificationListInput = {}): Promise<NotificationPage> {
    const before = decodeCursor(input.cursor);
    const limit = input.limit ?? DEFAULT_LIMIT;
    const rows = await db.query<Row>(
      `${SELECT}
         AND ($3::uuid IS NULL OR n.id < $3::uuid)
         AND (NOT $4::boolean OR COALESCE(n.read_at, r.read_at) IS NULL)
       ORDER BY n.id DESC LIMIT $5`,
      { bind: [reader.id, isAdmin(reader), before, input.unreadOnly ?? false, limit + 1], type: QueryTypes.SELECT },
    );
    const page = rows.slice(0, limit);
    const locale = input.locale ?? config.STORE_LOCALE;
    return {
      items: page.map((r) => view(r, locale)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async function unreadCount(reader: Reader): Promise<{ count: number }> {
    const [r] = await db.query<{ count: string }>(
      `SELECT (SELECT count(*) FROM notification.notifications WHERE user_id = $1 AND read_at IS NULL)
            + CASE WHEN $2::boolean THEN (
                SELECT count(*) FROM notification.notifications n
                 WHERE n.audience = 'staff'
                   AND NOT EXISTS (SELECT 1 FROM notification.staff_reads r WHERE r.user_id = $1 AND r.notification_id = n.id))
              ELSE 0 END AS count`,
      { bind: [reader.id, isAdmin(reader)], type: QueryTypes.SELECT },
    );
    return { count: Number(r.count) };
  }

  async function markRead(reader: Reader, input: NotificationMarkReadInput): Promise<{ marked: number }> {
    const ids = input.all ? null : (input.ids ?? []);
    return db.transaction(async (transaction) => {
      const own = await db.query<{ id: string }>(
        `UPDATE notification.notifications SET read_at = now()
          WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
          RETURNING id`,
        { bind: [reader.id, ids], transaction, type: QueryTypes.SELECT },
      );
      if (!isAdmin(reader)) return { marked: own.length };
      const staff = await db.query<{ id: string }>(
        `INSERT INTO notification.staff_reads (notification_id, user_id)
         SELECT n.id, $1 FROM notification.notifications n
          WHERE n.audience = 'staff' AND ($2::uuid[] IS NULL OR n.id = ANY($2::uuid[]))
         ON CONFLICT DO NOTHING RETURNING notification_id AS id`,
        { bind: [reader.id, ids], transaction, type: QueryTypes.SELECT },
      );
      return { marked: own.length + staff.length };
    });
  }

  async function byIds(reader: Reader, ids: string[], locale: NotificationLocale): Promise<Notification[]> {
    const rows = await db.query<Row>(`${SELECT} AND n.id = ANY($3::uuid[]) ORDER BY n.id`, {
      bind: [reader.id, isAdmin(reader), ids],
      type: QueryTypes.SELECT,
    });
    return rows.map((r) => view(r, locale));
  }

  /**
   * `notification.onNew`: the caller's unread count now, then each of their entries as it is
   * committed, from whichever process's consumer made it (the bus's broadcast reaches every
   * process), with the count after it. Best effort, like every live stream: when this process's
   * bus reconnects, the count is sent again (entries made meanwhile are in `list`). The listener is
   * attached before the stream reports itself connected.
   */
  function onNew(reader: Reader, locale: NotificationLocale | undefined, signal?: AbortSignal) {
    const lang = locale ?? config.STORE_LOCALE;
    const pending: string[] = [];
    let recount = true;
    let wake: (() => void) | null = null;
    let attached = true;
    const offNew = bus.onBroadcast(NEW_TOPIC, (payload) => {
      const entries = (payload as { entries?: NewEntrySignal[] } | null)?.entries ?? [];
      for (const e of entries) {
        if (e.userId === reader.id || (e.userId === null && isAdmin(reader))) pending.push(e.id);
      }
      if (pending.length > MAX_QUEUED) pending.splice(0, pending.length - MAX_QUEUED);
      wake?.();
    });
    const offReconnect = bus.onReconnect(() => {
      recount = true;
      wake?.();
    });
    const detach = () => {
      if (attached) {
        offNew();
        offReconnect();
      }
      attached = false;
      wake?.();
    };
    signal?.addEventListener('abort', detach);
    return (async function* (): AsyncGenerator<NotificationNews> {
      try {
        while (!signal?.aborted && attached) {
          if (pending.length) {
            const items = await byIds(reader, pending.splice(0), lang);
            const { count } = await unreadCount(reader);
            recount = false;
            // The count after the last of them; each earlier one is shown with what it was then.
            for (let i = 0; i < items.length; i++) {
              const after = count - items.slice(i + 1).filter((n) => n.readAt === null).length;
              yield { unreadCount: after, item: items[i] };
            }
            continue;
          }
          if (recount) {
            recount = false;
            yield { unreadCount: (await unreadCount(reader)).count, item: null };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        detach();
        signal?.removeEventListener('abort', detach);
      }
    })();
  }

  return { list, unreadCount, markRead, onNew };
}

export type InboxService = ReturnType<typeof createInboxService>;
