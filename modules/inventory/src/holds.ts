import type { Transaction } from 'sequelize';
import {
  EVENTS,
  INVENTORY_EVENT_VERSION,
  type InventoryDeductedV1,
  type InventoryReleasedV1,
  type InventoryReservedV1,
} from '@zjmall/contracts';
import type { Db, Outbox } from '@zjmall/platform';
import { ChangeSet, type ReservationWrite } from './change-set';
import type { StockCache } from './inventory.cache';
import { extendReservations, lockOwnerStock, lockWithReservations, writeChangeSet } from './stock.store';
import {
  refTypeOf,
  type Owner,
  type ReleaseOptions,
  type ReservationRow,
  type StockLine,
  type TransferOptions,
} from './types';

export interface HoldsDeps {
  db: Db;
  outbox: Outbox;
  stockCache: StockCache;
  defaultHoldTtlSeconds: number;
}

export interface OwnerLines {
  owner: Owner;
  lines: StockLine[];
}

const asWrite = (r: ReservationRow, status: ReservationWrite['status']): ReservationWrite => ({
  id: r.id,
  ownerType: r.ownerType,
  ownerId: r.ownerId,
  skuId: r.skuId,
  quantity: r.quantity,
  status,
  expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
});

/**
 * What happens to reservations after they are made: released (cart line removed, order
 * cancelled), extended, consumed at payment, moved from a cart to its order. None of these can
 * oversell, so they need no Redlock: each locks its SKUs' stock rows in order and writes there.
 */
export function createHolds(deps: HoldsDeps) {
  const { db, outbox, stockCache } = deps;

  /** Runs `fn` in the caller's transaction, or in one of its own; invalidates once it commits. */
  async function inTx<T>(
    tx: Transaction | undefined,
    fn: (tx: Transaction) => Promise<{ value: T; changed: string[] }>,
  ): Promise<T> {
    if (tx) {
      const { value, changed } = await fn(tx);
      stockCache.invalidateAfterCommit(tx, changed);
      return value;
    }
    const { value, changed } = await db.transaction(fn);
    await stockCache.invalidate(changed);
    return value;
  }

  return {
    /** Releases the owner's active reservations (of `skuIds`, or all); returns what was released. */
    release(owner: Owner, skuIds?: string[], opts: ReleaseOptions = {}): Promise<OwnerLines> {
      return inTx(opts.tx, async (tx) => {
        const { locked, reservations: rows } = await lockWithReservations(db, tx, { owner, skuIds }, [owner]);
        const cs = new ChangeSet(locked.rows);
        const by = {
          operator: opts.operator ?? 'system',
          reason: opts.reason ?? 'release',
          refType: refTypeOf(owner),
          refId: owner.id,
        };
        for (const r of rows) {
          cs.move(r.skuId, { type: 'RELEASE', quantity: r.quantity, reserved: -r.quantity }, by);
          cs.updates.push(asWrite(r, 'released'));
        }
        const lines = rows.map((r) => ({ skuId: r.skuId, quantity: r.quantity }));
        if (lines.length) {
          const data: InventoryReleasedV1 = { owner, lines, reason: 'released', note: opts.reason ?? null };
          cs.events.push({
            type: EVENTS.inventory.released,
            aggregateId: owner.id,
            version: INVENTORY_EVENT_VERSION,
            data,
          });
        }
        await writeChangeSet(db, outbox, tx, cs);
        return { value: { owner, lines }, changed: cs.changedSkus() };
      });
    },

    /** Moves a cart's holds' expiry to now + ttlSeconds (database clock); returns how many. */
    async extend(owner: Owner, ttlSeconds: number): Promise<{ extended: number; expiresAt: string | null }> {
      if (owner.type !== 'cart') return { extended: 0, expiresAt: null };
      if (!(ttlSeconds > 0)) throw new TypeError(`extend: invalid ttlSeconds ${ttlSeconds}`);
      return db.transaction(async (tx) => {
        // The stock locks first, as every writer of reservations does: no deadlock with the sweeper.
        const locked = await lockOwnerStock(db, tx, owner);
        if (!locked.rows.length) return { extended: 0, expiresAt: null };
        const rows = await extendReservations(
          db,
          tx,
          owner,
          locked.rows.map((r) => r.skuId),
          ttlSeconds,
        );
        return { extended: rows.length, expiresAt: rows[0]?.toISOString() ?? null };
      });
    },

    /** At payment, in the caller's transaction: on hand and reserved fall by each reservation. */
    async consume(owner: Owner, tx: Transaction): Promise<OwnerLines> {
      const { locked, reservations: rows } = await lockWithReservations(db, tx, { owner }, [owner]);
      const cs = new ChangeSet(locked.rows);
      const by = { operator: 'system', reason: 'consume', refType: refTypeOf(owner), refId: owner.id };
      for (const r of rows) {
        cs.move(r.skuId, { type: 'OUT', quantity: r.quantity, onHand: -r.quantity, reserved: -r.quantity }, by);
        cs.updates.push(asWrite(r, 'consumed'));
      }
      const lines = rows.map((r) => ({ skuId: r.skuId, quantity: r.quantity }));
      if (lines.length) {
        const data: InventoryDeductedV1 = { owner, lines };
        cs.events.push({
          type: EVENTS.inventory.deducted,
          aggregateId: owner.id,
          version: INVENTORY_EVENT_VERSION,
          data,
        });
      }
      await writeChangeSet(db, outbox, tx, cs);
      // Available is unchanged (both counts fell), so the public cache stays right.
      return { owner, lines };
    },

    /**
     * Moves `from`'s active reservations to `to` in the caller's transaction (cart holds → the
     * order): reserved never dips, so no one can take the stock in between. A SKU `to` already
     * holds is merged into its reservation. The ledger shows a RELEASE and a RESERVE per line.
     */
    async transfer(from: Owner, to: Owner, opts: TransferOptions): Promise<OwnerLines> {
      const { tx } = opts;
      const { locked, reservations: rows } = await lockWithReservations(db, tx, { owner: from, skuIds: opts.skuIds }, [
        from,
        to,
      ]);
      const cs = new ChangeSet(locked.rows);
      const target = new Map(
        rows.filter((r) => r.ownerType === to.type && r.ownerId === to.id).map((r) => [r.skuId, r]),
      );
      const moving = rows.filter((r) => r.ownerType === from.type && r.ownerId === from.id);
      const ttl = opts.ttlSeconds ?? deps.defaultHoldTtlSeconds;
      const expiresAt = to.type === 'order' ? null : new Date(locked.now.getTime() + ttl * 1000).toISOString();
      const operator = opts.operator ?? 'system';
      const out = { operator, reason: 'transfer', refType: refTypeOf(from), refId: from.id };
      const into = { operator, reason: 'transfer', refType: refTypeOf(to), refId: to.id };
      const reserved: InventoryReservedV1['lines'] = [];
      for (const r of moving) {
        cs.move(r.skuId, { type: 'RELEASE', quantity: r.quantity, reserved: -r.quantity }, out);
        cs.move(r.skuId, { type: 'RESERVE', quantity: r.quantity, reserved: r.quantity }, into);
        const existing = target.get(r.skuId);
        if (existing) {
          cs.updates.push({ ...asWrite(existing, 'active'), quantity: existing.quantity + r.quantity, expiresAt });
          cs.updates.push(asWrite(r, 'released'));
          reserved.push({ skuId: r.skuId, quantity: existing.quantity + r.quantity, delta: r.quantity });
        } else {
          cs.updates.push({ ...asWrite(r, 'active'), ownerType: to.type, ownerId: to.id, expiresAt });
          reserved.push({ skuId: r.skuId, quantity: r.quantity, delta: r.quantity });
        }
      }
      const lines = moving.map((r) => ({ skuId: r.skuId, quantity: r.quantity }));
      if (lines.length) {
        const released: InventoryReleasedV1 = { owner: from, lines, reason: 'transferred', transferredTo: to };
        const data: InventoryReservedV1 = { owner: to, lines: reserved, expiresAt, transferredFrom: from };
        cs.events.push(
          { type: EVENTS.inventory.released, aggregateId: from.id, version: INVENTORY_EVENT_VERSION, data: released },
          { type: EVENTS.inventory.reserved, aggregateId: to.id, version: INVENTORY_EVENT_VERSION, data },
        );
      }
      await writeChangeSet(db, outbox, tx, cs);
      return { owner: to, lines };
    },
  };
}

export type Holds = ReturnType<typeof createHolds>;
