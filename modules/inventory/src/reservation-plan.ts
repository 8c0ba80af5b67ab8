import { EVENTS, INVENTORY_EVENT_VERSION, type InventoryReservedV1 } from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import type { ChangeSet, ReservationWrite } from './change-set';
import {
  ownerKey,
  refTypeOf,
  type Owner,
  type ReservationRow,
  type ReserveLine,
  type ReserveResult,
  type ReservedLine,
} from './types';

/** One reserve call: an owner sets its reservations of some SKUs, all or nothing. */
export interface ReserveRequest {
  owner: Owner;
  lines: ReserveLine[];
  /** Cart holds: lifetime in seconds; null for orders. */
  ttlSeconds: number | null;
  operator: string;
}

export type ReserveOutcome = { ok: true; result: ReserveResult } | { ok: false; error: DomainError };

interface Holding {
  /** The row as it is (existing) or will be (new); `status` tracks releases within the batch. */
  write: ReservationWrite;
  existing: boolean;
  changed: boolean;
}

/**
 * Decides, in order, which requests fit, over stock rows locked by the caller and the owners'
 * active reservations read after that. A request that does not fit changes nothing and gets its
 * own INSUFFICIENT_STOCK (first short SKU) or SKU_NOT_FOUND; the others still go through. Fills
 * `cs` with the ledger rows, reservation writes and events of the accepted requests.
 */
export function planReservations(
  cs: ChangeSet,
  existing: ReservationRow[],
  requests: ReserveRequest[],
  now: Date,
): ReserveOutcome[] {
  const holdings = new Map<string, Holding>();
  for (const r of existing) {
    holdings.set(ownerKey(r.ownerType, r.ownerId, r.skuId), {
      write: { ...r, status: 'active', expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null },
      existing: true,
      changed: false,
    });
  }
  const held = (h: Holding | undefined) => (h && h.write.status === 'active' ? h.write.quantity : 0);

  const outcomes = requests.map((req): ReserveOutcome => {
    const { owner } = req;
    const expiresAt = req.ttlSeconds === null ? null : new Date(now.getTime() + req.ttlSeconds * 1000).toISOString();
    // Check every line before changing anything: all or nothing.
    for (const line of req.lines) {
      if (!cs.has(line.skuId))
        return { ok: false, error: new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: line.skuId }) };
      const current = held(holdings.get(ownerKey(owner.type, owner.id, line.skuId)));
      const available = cs.available(line.skuId);
      if (line.quantity - current > available) {
        return {
          ok: false,
          error: new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', {
            skuId: line.skuId,
            requested: line.quantity,
            // What this owner could hold: what is free plus what it already holds.
            available: available + current,
          }),
        };
      }
    }
    const by = { operator: req.operator, reason: 'reserve', refType: refTypeOf(owner), refId: owner.id };
    const lines: ReservedLine[] = req.lines.map((line) => {
      const key = ownerKey(owner.type, owner.id, line.skuId);
      let h = holdings.get(key);
      const delta = line.quantity - held(h);
      if (delta > 0) cs.move(line.skuId, { type: 'RESERVE', quantity: delta, reserved: delta }, by);
      if (delta < 0) cs.move(line.skuId, { type: 'RELEASE', quantity: -delta, reserved: delta }, by);
      if (line.quantity === 0) {
        if (h && h.write.status === 'active') {
          h.write.status = 'released';
          h.changed = true;
        }
      } else if (h) {
        // Re-reserving refreshes the hold's lifetime too (a released row of this batch comes back).
        h.write = { ...h.write, quantity: line.quantity, status: 'active', expiresAt };
        h.changed = true;
      } else {
        h = {
          write: {
            id: newId(),
            ownerType: owner.type,
            ownerId: owner.id,
            skuId: line.skuId,
            quantity: line.quantity,
            status: 'active',
            expiresAt,
          },
          existing: false,
          changed: true,
        };
        holdings.set(key, h);
      }
      return { skuId: line.skuId, quantity: line.quantity, delta };
    });
    const changed = lines.filter((l) => l.delta !== 0);
    if (changed.length) {
      const data: InventoryReservedV1 = { owner, lines: changed, expiresAt };
      cs.events.push({
        type: EVENTS.inventory.reserved,
        aggregateId: owner.id,
        version: INVENTORY_EVENT_VERSION,
        data,
      });
    }
    return { ok: true, result: { owner, lines, expiresAt } };
  });

  for (const h of holdings.values()) {
    if (!h.changed) continue;
    if (h.existing) cs.updates.push(h.write);
    else if (h.write.status === 'active') cs.inserts.push(h.write);
  }
  cs.addLowStockEvents();
  return outcomes;
}
