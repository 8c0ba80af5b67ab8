import { QueryTypes } from 'sequelize';
import { newId, type Db, type DurableHandler } from '@zjmall/platform';

/** True when a webhook's `events` (exact types, `prefix.*` patterns, `*`) take an event of `type`. */
export function webhookWants(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * Every event becomes one pending delivery per active webhook that wants it, in stream order (the
 * delivery's seq), once per (webhook, event) — the deliverer sends them.
 */
export function webhookFanoutHandler(db: Db): DurableHandler {
  return {
    name: 'notification-webhooks',
    types: ['*'],
    async handle(event, tx) {
      const hooks = await db.query<{ id: string; events: string[] }>(
        `SELECT id, events FROM notification.webhooks WHERE active`,
        { transaction: tx, type: QueryTypes.SELECT },
      );
      const wanted = hooks.filter((h) => webhookWants(h.events, event.type)).map((h) => h.id);
      if (wanted.length === 0) return;
      const ids = wanted.map(() => newId());
      await db.query(
        `INSERT INTO notification.webhook_deliveries (id, webhook_id, event_id, event_type, body)
         SELECT d.id, d.webhook_id, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS d(id, webhook_id, n)
          ORDER BY d.n
         ON CONFLICT (webhook_id, event_id) DO NOTHING`,
        { bind: [ids, wanted, event.id, event.type, JSON.stringify(event)], transaction: tx },
      );
    },
  };
}
