import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from '../db/sequelize';
import { newId } from '../ids';
import type { NewEvent, Outbox } from './types';
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

/** The events' rows from bound arrays $1–$6 (seq follows array order): the CTE of both inserts below. */
const INS_CTE = `ins AS (
   INSERT INTO platform.outbox (id, type, aggregate_id, version, data, trace_context)
      SELECT id, type, aggregate_id, version, data, $6::jsonb
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
           WITH ORDINALITY AS e(id, type, aggregate_id, version, data, n)
      ORDER BY n
      RETURNING 1)`;

/**
 * All of a call's events in one statement with one fixed text (bound arrays, however many rows),
 * and the relay's wake-up call, which PostgreSQL delivers at commit.
 */
const INSERT_EVENTS = `WITH ${INS_CTE}
 SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM ins) AS done`;

/** The writing request's trace context (JSON), null when tracing is off: the relay continues that trace. */
function traceContext(): string | null {
  const carrier = currentTraceCarrier();
  return carrier.traceparent ? JSON.stringify(carrier) : null;
}

/**
 * The same insert, and the idempotency answer of the transaction (withIdempotency) in the same
 * statement: a data-modifying CTE runs to completion whether or not the outer query reads it.
 */
const INSERT_EVENTS_AND_ANSWER = `WITH answer AS (
   UPDATE platform.idempotency_keys SET response = $9::jsonb WHERE scope = $7 AND key = $8 RETURNING 1
 ), ${INS_CTE}
 SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM ins) AS done, (SELECT count(*) FROM answer) AS answered`;

const ANSWER = `UPDATE platform.idempotency_keys SET response = $3::jsonb WHERE scope = $1 AND key = $2`;

/** An idempotency key's stored answer (withIdempotency), written with the transaction's last statement. */
export interface IdempotencyAnswer {
  scope: string;
  key: string;
  /** The answer as JSON text. */
  response: string;
}

interface Held {
  events: NewEvent[];
  ids: string[];
  /** The trace context of the first event's writer. */
  trace: string | null;
}

// The events of transactions opened by inTransaction (or withIdempotency), held until the callback
// has returned and then written with one statement, before sequelize sends the COMMIT.
const held = new WeakMap<Transaction, Held>();

function checked(events: NewEvent | NewEvent[]): NewEvent[] {
  const list = Array.isArray(events) ? events : [events];
  for (const e of list) {
    if (!e.type) throw new Error('an event needs a type');
    if (typeof e.aggregateId !== 'string') throw new Error(`event ${e.type} needs an aggregateId`);
    if (e.version !== undefined && !(Number.isInteger(e.version) && e.version > 0)) {
      throw new Error(`event ${e.type} has an invalid version ${e.version}`);
    }
  }
  return list;
}

const eventBinds = (ids: string[], list: NewEvent[], trace: string | null) => [
  ids,
  list.map((e) => e.type),
  list.map((e) => e.aggregateId),
  list.map((e) => e.version ?? 1),
  list.map((e) => JSON.stringify(e.data ?? null)),
  trace,
];

/**
 * Writes what a transaction opened by inTransaction holds: its events (one statement for all of
 * them, whichever modules added them) and, from withIdempotency, the key's answer — together in one
 * statement when there are both. Called at the end of the transaction's callback, so the rows are
 * part of it (a callback that throws writes nothing, and the transaction rolls back).
 */
export async function writeHeld(db: Db, tx: Transaction, answer?: IdempotencyAnswer): Promise<void> {
  const h = held.get(tx);
  held.delete(tx);
  if (h && h.events.length > 0) {
    const binds = eventBinds(h.ids, h.events, h.trace);
    await db.query(answer ? INSERT_EVENTS_AND_ANSWER : INSERT_EVENTS, {
      bind: answer ? [...binds, answer.scope, answer.key, answer.response] : binds,
      type: QueryTypes.SELECT,
      transaction: tx,
    });
  } else if (answer) {
    await db.query(ANSWER, { bind: [answer.scope, answer.key, answer.response], transaction: tx });
  }
}

/** Marks `tx` as one whose outbox rows are held until writeHeld (inTransaction, withIdempotency). */
export function holdEvents(tx: Transaction): void {
  held.set(tx, { events: [], ids: [], trace: null });
}

/**
 * `db.transaction(fn)` whose events are written with one statement when `fn` has returned, instead
 * of one statement per `outbox.add` (a use case whose modules each add their own events: an add to
 * cart, a payment callback). Same guarantee: the rows commit with the transaction or not at all.
 */
export function inTransaction<T>(db: Db, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    holdEvents(tx);
    const result = await fn(tx);
    await writeHeld(db, tx);
    return result;
  });
}

/**
 * Writes events in the use case's own transaction; the relay publishes them after commit. In a
 * transaction opened by inTransaction they are held and written at its end (ids are made now); in
 * any other, at once.
 */
export function createOutbox(): Outbox {
  return {
    async add(tx, events) {
      const list = checked(events);
      if (list.length === 0) return [];
      const ids = list.map(() => newId());
      const h = held.get(tx);
      if (h) {
        if (h.events.length === 0) h.trace = traceContext();
        h.events.push(...list);
        h.ids.push(...ids);
        return ids;
      }
      await dbOf(tx).query(INSERT_EVENTS, {
        bind: eventBinds(ids, list, traceContext()),
        type: QueryTypes.SELECT,
        transaction: tx,
      });
      return ids;
    },
  };
}
