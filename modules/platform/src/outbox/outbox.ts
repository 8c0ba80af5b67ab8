import type { Transaction } from 'sequelize';
import { beforeCommit, sqlLiteral, type Db } from '../db/sequelize';
import { newId } from '../ids';
import type { Outbox } from './types';

/** The channel the relay LISTENs on; a NOTIFY is delivered when the writing transaction commits. */
export const OUTBOX_CHANNEL = 'zjmall_outbox';

// sequelize sets `transaction.sequelize` but does not declare it; the outbox takes no db of its
// own so that it can only ever write in the caller's transaction.
function dbOf(tx: Transaction): Db {
  const db = (tx as unknown as { sequelize?: Db }).sequelize;
  if (!db) throw new Error('outbox.add needs a sequelize transaction');
  return db;
}

interface HeldRow {
  id: string;
  type: string;
  aggregateId: string;
  version: number;
  data: string;
}

/**
 * The rows as one literal INSERT (values escaped by pg's escapeLiteral; VALUES order is seq order)
 * and the relay's wake-up call, delivered when the transaction commits.
 */
function insertSql(rows: HeldRow[]): string {
  const values = rows.map(
    (r) =>
      `(${sqlLiteral(r.id)}::uuid, ${sqlLiteral(r.type)}, ${sqlLiteral(r.aggregateId)}, ${Number(r.version)}, ${sqlLiteral(r.data)}::jsonb)`,
  );
  return `INSERT INTO platform.outbox (id, type, aggregate_id, version, data) VALUES ${values.join(', ')};\nSELECT pg_notify('${OUTBOX_CHANNEL}', '')`;
}

/** Writes events in the use case's own transaction; the relay publishes them after commit. */
export function createOutbox(): Outbox {
  /** Rows added in a transaction, inserted with its COMMIT (the db's beforeCommit). */
  const heldRows = new WeakMap<Transaction, HeldRow[]>();
  return {
    async add(tx, events) {
      const list = Array.isArray(events) ? events : [events];
      if (list.length === 0) return [];
      for (const e of list) {
        if (!e.type) throw new Error('an event needs a type');
        if (typeof e.aggregateId !== 'string') throw new Error(`event ${e.type} needs an aggregateId`);
        if (e.version !== undefined && !(Number.isInteger(e.version) && e.version > 0)) {
          throw new Error(`event ${e.type} has an invalid version ${e.version}`);
        }
      }
      const ids = list.map(() => newId());
      // Usually: kept until the transaction commits and inserted with its COMMIT, in one round trip
      // (one statement for all of a transaction's events, however many use cases added them).
      const rows = list.map((e, i) => ({
        id: ids[i],
        type: e.type,
        aggregateId: e.aggregateId,
        version: e.version ?? 1,
        data: JSON.stringify(e.data ?? null),
      }));
      const held = heldRows.get(tx);
      if (held) {
        held.push(...rows);
        return ids;
      }
      if (beforeCommit(tx, () => insertSql(heldRows.get(tx) ?? []))) {
        heldRows.set(tx, rows);
        return ids;
      }
      // A Db without that (not made by createDb), or a savepoint: now, one round trip for the rows
      // (seq follows array order) and the wake-up call to the relay.
      await dbOf(tx).query(
        `WITH ins AS (
           INSERT INTO platform.outbox (id, type, aggregate_id, version, data)
           SELECT id, type, aggregate_id, version, data
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
                WITH ORDINALITY AS e(id, type, aggregate_id, version, data, n)
           ORDER BY n
           RETURNING 1)
         SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM ins) AS done`,
        {
          bind: [
            rows.map((r) => r.id),
            rows.map((r) => r.type),
            rows.map((r) => r.aggregateId),
            rows.map((r) => r.version),
            rows.map((r) => r.data),
          ],
          transaction: tx,
        },
      );
      return ids;
    },
  };
}
