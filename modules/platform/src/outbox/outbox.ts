import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from '../db/sequelize';
import { newId } from '../ids';
import type { Outbox } from './types';
import { currentTraceCarrier } from '../tracing';

/** The channel the relay LISTENs on; a NOTIFY is delivered when the writing transaction commits. */
export const OUTBOX_CHANNEL = 'zjmall_outbox';

// sequelize sets `transaction.sequelize` but does not declare it; the outbox takes no db of its
// own so that it can only ever write in the caller's transaction.
function dbOf(tx: Transaction): Db {
  const db = (tx as unknown as { sequelize?: Db }).sequelize;
  if (!db) throw new Error('outbox.add needs a sequelize transaction');
  return db;
}

/**
 * All of a call's events in one statement with one fixed text (bound arrays, however many rows;
 * seq follows array order), and the relay's wake-up call, which PostgreSQL delivers at commit.
 */
const INSERT_EVENTS = `WITH ins AS (
   INSERT INTO platform.outbox (id, type, aggregate_id, version, data, trace_context)
   SELECT id, type, aggregate_id, version, data, $6::jsonb
   FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
        WITH ORDINALITY AS e(id, type, aggregate_id, version, data, n)
   ORDER BY n
   RETURNING 1)
 SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM ins) AS done`;

/** The writing request's trace context (JSON), null when tracing is off: the relay continues that trace. */
function traceContext(): string | null {
  const carrier = currentTraceCarrier();
  return carrier.traceparent ? JSON.stringify(carrier) : null;
}

/** Writes events in the use case's own transaction; the relay publishes them after commit. */
export function createOutbox(): Outbox {
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
      await dbOf(tx).query(INSERT_EVENTS, {
        bind: [
          ids,
          list.map((e) => e.type),
          list.map((e) => e.aggregateId),
          list.map((e) => e.version ?? 1),
          list.map((e) => JSON.stringify(e.data ?? null)),
          traceContext(),
        ],
        type: QueryTypes.SELECT,
        transaction: tx,
      });
      return ids;
    },
  };
}
