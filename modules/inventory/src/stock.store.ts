import { QueryTypes, type Transaction } from 'sequelize';
import { DomainError, type Db, type Outbox } from '@zjmall/platform';
import type { ChangeSet } from './change-set';
import type { Owner, OwnerType, ReservationRow, StockRow } from './types';

// Raw SQL of the hot paths (docs/architecture.md, Performance): bound parameters, arrays through unnest, and
// one protocol for every writer — lock the SKUs' stock rows first, in sku_id order, then read and
// change their reservations. Whoever touches an active reservation holds its SKU's row lock, so
// a read made after taking the locks cannot go stale, and two writers never deadlock.

interface StockDbRow {
  sku_id: string;
  on_hand: number;
  reserved: number;
  low_stock_threshold: number;
  now: Date;
}

const toStock = (r: StockDbRow): StockRow => ({
  skuId: r.sku_id,
  onHand: r.on_hand,
  reserved: r.reserved,
  threshold: r.low_stock_threshold,
});

export interface Locked {
  rows: StockRow[];
  /** The transaction's now() (the database clock): expiries are computed from it. */
  now: Date;
}

/** Locks the SKUs' stock rows in sku_id order (FOR NO KEY UPDATE); missing SKUs are simply absent. */
export async function lockStock(
  db: Db,
  tx: Transaction,
  skuIds: string[],
  opts: { skipLocked?: boolean } = {},
): Promise<Locked> {
  const rows = await db.query<StockDbRow>(
    `SELECT sku_id, on_hand, reserved, low_stock_threshold, now() AS now
       FROM inventory.stock WHERE sku_id = ANY($1::uuid[])
      ORDER BY sku_id FOR NO KEY UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
    { bind: [skuIds], type: QueryTypes.SELECT, transaction: tx },
  );
  return { rows: rows.map(toStock), now: rows[0]?.now ?? new Date(0) };
}

/** Locks the stock rows of the SKUs an owner has active reservations of (optionally only `skuIds`). */
export async function lockOwnerStock(db: Db, tx: Transaction, owner: Owner, skuIds?: string[]): Promise<Locked> {
  const rows = await db.query<StockDbRow>(
    `SELECT s.sku_id, s.on_hand, s.reserved, s.low_stock_threshold, now() AS now
       FROM inventory.stock s
      WHERE s.sku_id IN (SELECT r.sku_id FROM inventory.reservations r
                          WHERE r.owner_type = $1 AND r.owner_id = $2 AND r.status = 'active'
                            AND ($3::uuid[] IS NULL OR r.sku_id = ANY($3::uuid[])))
      ORDER BY s.sku_id FOR NO KEY UPDATE OF s`,
    { bind: [owner.type, owner.id, skuIds ?? null], type: QueryTypes.SELECT, transaction: tx },
  );
  return { rows: rows.map(toStock), now: rows[0]?.now ?? new Date(0) };
}

interface ReservationDbRow {
  id: string;
  owner_type: OwnerType;
  owner_id: string;
  sku_id: string;
  quantity: number;
  expires_at: Date | null;
}

const toReservation = (r: ReservationDbRow): ReservationRow => ({
  id: r.id,
  ownerType: r.owner_type,
  ownerId: r.owner_id,
  skuId: r.sku_id,
  quantity: r.quantity,
  expiresAt: r.expires_at,
});

/**
 * Active reservations of these owners on these SKUs (call with the SKUs' stock rows locked).
 * One index probe per owner, whatever the statistics say: the OFFSET 0 keeps the planner from
 * flattening the probe into a scan of every reservation of a hot SKU (it does, on a young table).
 */
export async function activeReservationsOf(
  db: Db,
  tx: Transaction,
  skuIds: string[],
  owners: Owner[],
): Promise<ReservationRow[]> {
  if (skuIds.length === 0 || owners.length === 0) return [];
  const rows = await db.query<ReservationDbRow>(
    `SELECT r.id, r.owner_type, r.owner_id, r.sku_id, r.quantity, r.expires_at
       FROM unnest($2::text[], $3::uuid[]) AS o(t, i)
       CROSS JOIN LATERAL (
         SELECT id, owner_type, owner_id, sku_id, quantity, expires_at FROM inventory.reservations
          WHERE owner_type = o.t AND owner_id = o.i AND status = 'active' AND sku_id = ANY($1::uuid[])
         OFFSET 0) AS r
      ORDER BY r.sku_id, r.id`,
    { bind: [skuIds, owners.map((o) => o.type), owners.map((o) => o.id)], type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map(toReservation);
}

/**
 * lockStock (or lockOwnerStock) and activeReservationsOf in one statement, when that is safe.
 *
 * The reservations are read in the statement's snapshot, taken before it waited for any row lock.
 * Every writer of a SKU's reservations also writes its stock row (ChangeSet.stockWrites), so if
 * each locked row is still the version the snapshot saw (same xmin), no reservation of those SKUs
 * changed since, and the snapshot's are current. Otherwise (a writer committed while this one
 * waited) they are read again, under the locks now held.
 */
export async function lockWithReservations(
  db: Db,
  tx: Transaction,
  lock: { skuIds: string[] } | { owner: Owner; skuIds?: string[] },
  owners: Owner[],
): Promise<{ locked: Locked; reservations: ReservationRow[] }> {
  // Every parameter must be used (PostgreSQL has to know its type): the two shapes number theirs apart.
  const byOwner = 'owner' in lock;
  const which = byOwner
    ? `s.sku_id IN (SELECT r.sku_id FROM inventory.reservations r
                     WHERE r.owner_type = $3 AND r.owner_id = $4 AND r.status = 'active'
                       AND ($5::uuid[] IS NULL OR r.sku_id = ANY($5::uuid[])))`
    : `s.sku_id = ANY($3::uuid[])`;
  const bind = byOwner ? [lock.owner.type, lock.owner.id, lock.skuIds ?? null] : [lock.skuIds];
  type Row = StockDbRow & {
    fresh: boolean;
    reservations: (Omit<ReservationDbRow, 'expires_at'> & { expires_at: string | null })[] | null;
  };
  const rows = await db.query<Row>(
    `WITH locked AS MATERIALIZED (
       SELECT s.sku_id, s.on_hand, s.reserved, s.low_stock_threshold, s.xmin::text AS v
         FROM inventory.stock s WHERE ${which}
        ORDER BY s.sku_id FOR NO KEY UPDATE OF s
     ), seen AS (
       SELECT s.sku_id, s.xmin::text AS v FROM inventory.stock s WHERE s.sku_id IN (SELECT sku_id FROM locked)
     )
     SELECT l.sku_id, l.on_hand, l.reserved, l.low_stock_threshold, now() AS now,
            NOT EXISTS (SELECT 1 FROM locked x LEFT JOIN seen y USING (sku_id) WHERE y.v IS DISTINCT FROM x.v) AS fresh,
            (SELECT json_agg(json_build_object('id', r.id, 'owner_type', r.owner_type, 'owner_id', r.owner_id, 'sku_id', r.sku_id,
                                               'quantity', r.quantity, 'expires_at', r.expires_at) ORDER BY r.sku_id, r.id)
               FROM unnest($1::text[], $2::uuid[]) AS o(t, i)
               CROSS JOIN LATERAL (
                 SELECT id, owner_type, owner_id, sku_id, quantity, expires_at FROM inventory.reservations
                  WHERE owner_type = o.t AND owner_id = o.i AND status = 'active' AND sku_id IN (SELECT sku_id FROM locked)
                 OFFSET 0) AS r) AS reservations
       FROM locked l ORDER BY l.sku_id`,
    { bind: [owners.map((o) => o.type), owners.map((o) => o.id), ...bind], type: QueryTypes.SELECT, transaction: tx },
  );
  const locked: Locked = { rows: rows.map(toStock), now: rows[0]?.now ?? new Date(0) };
  if (rows.length === 0 || owners.length === 0) return { locked, reservations: [] };
  if (!rows[0].fresh)
    return {
      locked,
      reservations: await activeReservationsOf(
        db,
        tx,
        locked.rows.map((r) => r.skuId),
        owners,
      ),
    };
  const reservations = (rows[0].reservations ?? []).map((r) =>
    toReservation({ ...r, expires_at: r.expires_at === null ? null : new Date(r.expires_at) }),
  );
  return { locked, reservations };
}

/**
 * Moves the owner's active reservations of these SKUs (stock rows locked by the caller) to expire
 * at now + ttlSeconds; answers the new expiries. Their stock rows are written too (a new row
 * version, nothing changed): every writer of reservations writes its SKUs' stock rows, which
 * lockWithReservations relies on.
 */
export async function extendReservations(
  db: Db,
  tx: Transaction,
  owner: Owner,
  skuIds: string[],
  ttlSeconds: number,
): Promise<Date[]> {
  const rows = await db.query<{ expires_at: Date }>(
    `WITH r AS (
       UPDATE inventory.reservations SET expires_at = now() + make_interval(secs => $3), updated_at = now()
        WHERE owner_type = $1 AND owner_id = $2 AND status = 'active' AND sku_id = ANY($4::uuid[])
       RETURNING sku_id, expires_at
     ), s AS (
       UPDATE inventory.stock s SET updated_at = s.updated_at WHERE s.sku_id IN (SELECT sku_id FROM r) RETURNING 1
     )
     SELECT expires_at FROM r`,
    { bind: [owner.type, owner.id, ttlSeconds, skuIds], type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map((r) => r.expires_at);
}

/** The oldest expired cart holds (by the expiry index), unlocked: candidates for a sweep round. */
export async function expiredCandidates(
  db: Db,
  tx: Transaction,
  limit: number,
): Promise<{ id: string; skuId: string }[]> {
  const rows = await db.query<{ id: string; sku_id: string }>(
    `SELECT id, sku_id FROM inventory.reservations
      WHERE status = 'active' AND expires_at < now() ORDER BY expires_at LIMIT $1`,
    { bind: [limit], type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map((r) => ({ id: r.id, skuId: r.sku_id }));
}

/** These reservations, if still active and expired (call with their SKUs' stock rows locked). */
export async function stillExpired(db: Db, tx: Transaction, ids: string[]): Promise<ReservationRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<ReservationDbRow>(
    `SELECT id, owner_type, owner_id, sku_id, quantity, expires_at FROM inventory.reservations
      WHERE id = ANY($1::uuid[]) AND status = 'active' AND expires_at < now()
      ORDER BY sku_id, id`,
    { bind: [ids], type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map(toReservation);
}

/**
 * Writes a change set in two statements: one with the stock UPDATE, the reservation updates and
 * inserts and the ledger rows (data-modifying CTEs), then the outbox rows.
 *
 * The stock UPDATE is the fence: a row only changes if its available stays ≥ 0
 * (`on_hand - reserved >= reserved_delta - on_hand_delta`, i.e. `>= q` for a reservation of q).
 * If any row refuses, the whole transaction is abandoned — nothing is written.
 */
export async function writeChangeSet(db: Db, outbox: Outbox, tx: Transaction, cs: ChangeSet): Promise<void> {
  if (cs.isEmpty) return;
  const deltas = cs.stockWrites();
  const { updates: u, inserts: ins, ledger: l } = cs;
  const [res] = await db.query<{ stock_rows: number }>(WRITE_SQL, {
    bind: [
      deltas.map((d) => d.skuId),
      deltas.map((d) => d.onHand),
      deltas.map((d) => d.reserved),
      u.map((r) => r.id),
      u.map((r) => r.quantity),
      u.map((r) => r.status),
      u.map((r) => r.expiresAt),
      u.map((r) => r.ownerType),
      u.map((r) => r.ownerId),
      ins.map((r) => r.id),
      ins.map((r) => r.ownerType),
      ins.map((r) => r.ownerId),
      ins.map((r) => r.skuId),
      ins.map((r) => r.quantity),
      ins.map((r) => r.expiresAt),
      l.map((r) => r.id),
      l.map((r) => r.skuId),
      l.map((r) => r.type),
      l.map((r) => r.quantity),
      l.map((r) => r.onHandBefore),
      l.map((r) => r.onHandAfter),
      l.map((r) => r.reservedBefore),
      l.map((r) => r.reservedAfter),
      l.map((r) => r.operator),
      l.map((r) => r.reason),
      l.map((r) => r.refType),
      l.map((r) => r.refId),
    ],
    type: QueryTypes.SELECT,
    transaction: tx,
  });
  if (res.stock_rows !== deltas.length) {
    // Only reachable if the stock changed under a plan made without its row lock: refuse it all.
    throw new FenceRefusedError(deltas.map((d) => d.skuId));
  }
  if (cs.events.length) await outbox.add(tx, cs.events);
}

/** The fence refused a planned change: an expected, retryable failure (`STOCK_CHANGED`), never a 500. */
export class FenceRefusedError extends DomainError {
  constructor(readonly skuIds: string[]) {
    super('STOCK_CHANGED', 'Stock changed while this change was planned; nothing was written, please retry', {
      skuIds,
      retryable: true,
    });
    this.name = 'FenceRefusedError';
  }
}

const WRITE_SQL = `
WITH st AS (
  UPDATE inventory.stock s
     SET on_hand = s.on_hand + d.on_hand_delta, reserved = s.reserved + d.reserved_delta, updated_at = now()
    FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS d(sku_id, on_hand_delta, reserved_delta)
   WHERE s.sku_id = d.sku_id
     AND s.on_hand - s.reserved >= d.reserved_delta - d.on_hand_delta
  RETURNING 1
), ru AS (
  UPDATE inventory.reservations r
     SET quantity = u.quantity, status = u.status, expires_at = u.expires_at,
         owner_type = u.owner_type, owner_id = u.owner_id, updated_at = now()
    FROM unnest($4::uuid[], $5::int[], $6::text[], $7::timestamptz[], $8::text[], $9::uuid[])
         AS u(id, quantity, status, expires_at, owner_type, owner_id)
   WHERE r.id = u.id
  RETURNING 1
), ri AS (
  INSERT INTO inventory.reservations (id, owner_type, owner_id, sku_id, quantity, status, expires_at)
  SELECT i.id, i.owner_type, i.owner_id, i.sku_id, i.quantity, 'active', i.expires_at
    FROM unnest($10::uuid[], $11::text[], $12::uuid[], $13::uuid[], $14::int[], $15::timestamptz[])
         AS i(id, owner_type, owner_id, sku_id, quantity, expires_at)
  RETURNING 1
), lg AS (
  INSERT INTO inventory.ledger (id, sku_id, type, quantity, on_hand_before, on_hand_after,
                                reserved_before, reserved_after, operator, reason, ref_type, ref_id)
  SELECT * FROM unnest($16::uuid[], $17::uuid[], $18::text[], $19::bigint[], $20::bigint[], $21::bigint[],
                       $22::bigint[], $23::bigint[], $24::text[], $25::text[], $26::text[], $27::text[])
  RETURNING 1
)
SELECT (SELECT count(*) FROM st)::int AS stock_rows`;
