import { EVENTS, INVENTORY_EVENT_VERSION, type InventoryReleasedV1 } from '@zjmall/contracts';
import type { Db, Logger, Outbox } from '@zjmall/platform';
import { ChangeSet } from './change-set';
import type { StockCache } from './inventory.cache';
import { expiredCandidates, lockStock, stillExpired, writeChangeSet } from './stock.store';
import { refTypeOf, type Owner } from './types';

// One round (one transaction) handles at most this many expired holds on at most this many SKUs,
// so its locks stay short; one sweep runs at most MAX_ROUNDS rounds and leaves the rest to the next.
const RESERVATIONS_PER_ROUND = 2_000;
const SKUS_PER_ROUND = 200;
const MAX_ROUNDS = 50;

/**
 * Releases cart holds whose expires_at is before the database's now(). Safe with several sweepers:
 * each round takes the oldest expired holds, locks their SKUs' stock rows with SKIP LOCKED (in
 * order, never waiting), and re-reads those holds under the locks — so sweepers split the work,
 * a SKU another writer holds is left for a later round or sweep, and no hold is released twice.
 */
export function createExpirySweep(deps: { db: Db; outbox: Outbox; stockCache: StockCache; log: Logger }) {
  const { db, outbox, stockCache, log } = deps;

  async function round(): Promise<{ released: number; lockedSkus: number }> {
    const { released, changed, lockedSkus } = await db.transaction(async (tx) => {
      const candidates = await expiredCandidates(db, tx, RESERVATIONS_PER_ROUND);
      const skuIds = [...new Set(candidates.map((c) => c.skuId))].sort().slice(0, SKUS_PER_ROUND);
      // SKIP LOCKED: SKUs another sweeper (or a reservation batch) holds are left for later.
      const locked = skuIds.length ? await lockStock(db, tx, skuIds, { skipLocked: true }) : { rows: [] };
      const lockedIds = new Set(locked.rows.map((r) => r.skuId));
      const expired = await stillExpired(
        db,
        tx,
        candidates.filter((c) => lockedIds.has(c.skuId)).map((c) => c.id),
      );
      const cs = new ChangeSet(locked.rows);
      const byOwner = new Map<string, { owner: Owner; lines: { skuId: string; quantity: number }[] }>();
      for (const r of expired) {
        const owner: Owner = { type: r.ownerType, id: r.ownerId };
        cs.move(
          r.skuId,
          { type: 'RELEASE', quantity: r.quantity, reserved: -r.quantity },
          {
            operator: 'sweeper',
            reason: 'hold expired',
            refType: refTypeOf(owner),
            refId: owner.id,
          },
        );
        cs.updates.push({
          id: r.id,
          ownerType: r.ownerType,
          ownerId: r.ownerId,
          skuId: r.skuId,
          quantity: r.quantity,
          status: 'released',
          expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
        });
        const key = `${owner.type}:${owner.id}`;
        const group = byOwner.get(key) ?? { owner, lines: [] };
        group.lines.push({ skuId: r.skuId, quantity: r.quantity });
        byOwner.set(key, group);
      }
      for (const { owner, lines } of byOwner.values()) {
        const data: InventoryReleasedV1 = { owner, lines, reason: 'expired' };
        cs.events.push({
          type: EVENTS.inventory.released,
          aggregateId: owner.id,
          version: INVENTORY_EVENT_VERSION,
          data,
        });
      }
      await writeChangeSet(db, outbox, tx, cs);
      return { released: expired.length, changed: cs.changedSkus(), lockedSkus: locked.rows.length };
    });
    await stockCache.invalidate(changed);
    return { released, lockedSkus };
  }

  return {
    /** One sweep: rounds until nothing expired is left that this sweeper could lock. */
    async releaseExpired(): Promise<{ released: number }> {
      let total = 0;
      for (let i = 0; i < MAX_ROUNDS; i++) {
        const r = await round();
        total += r.released;
        if (r.lockedSkus === 0) break;
      }
      if (total) log.info({ released: total }, 'expired cart holds released');
      return { released: total };
    },
  };
}
