import { QueryTypes } from 'sequelize';
import type { Db } from '../db/sequelize';

export interface PurgeResult {
  outbox: number;
  handledEvents: number;
  idempotencyKeys: number;
}

/** Rows removed per statement, so a large backlog never holds long locks or bloats one transaction. */
const CHUNK = 5_000;

async function purge(db: Db, table: string, where: string, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM ${table} WHERE ctid IN (
           SELECT ctid FROM ${table} WHERE ${where} < now() - make_interval(days => $1) LIMIT ${CHUNK})
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      { bind: [days], type: QueryTypes.SELECT },
    );
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < CHUNK) return total;
  }
}

/**
 * Retention (docs/architecture.md): published outbox rows, handled-event ids and idempotency keys older than
 * `days` are deleted. Unpublished outbox rows are kept whatever their age.
 */
export async function purgeRetention(db: Db, days = 7): Promise<PurgeResult> {
  if (!(Number.isInteger(days) && days >= 1))
    throw new Error(`retention must be a whole number of days ≥ 1, got ${days}`);
  return {
    outbox: await purge(db, 'platform.outbox', 'published_at', days),
    handledEvents: await purge(db, 'platform.handled_events', 'handled_at', days),
    idempotencyKeys: await purge(db, 'platform.idempotency_keys', 'created_at', days),
  };
}
