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

type Holdings = Map<string, Holding>;

/** The owners' active reservations, keyed by owner and SKU, as the batch will change them. */
function holdingsOf(existing: ReservationRow[]): Holdings {
  const holdings: Holdings = new Map();
  for (const r of existing) {
    holdings.set(ownerKey(r.ownerType, r.ownerId, r.skuId), {
      write: { ...r, status: 'active', expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null },
      existing: true,
      changed: false,
    });
  }
  return holdings;
}

/** What an owner holds of a SKU now (0: nothing, or released earlier in the batch). */
const heldBy = (holdings: Holdings, owner: Owner, skuId: string): number => {
  const h = holdings.get(ownerKey(owner.type, owner.id, skuId));
  return h && h.write.status === 'active' ? h.write.quantity : 0;
};

/** Why the request does not fit (every line checked before anything changes: all or nothing), or null. */
function refusal(cs: ChangeSet, holdings: Holdings, req: ReserveRequest): DomainError | null {
  for (const line of req.lines) {
    if (!cs.has(line.skuId)) return new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: line.skuId });
    const current = heldBy(holdings, req.owner, line.skuId);
    const available = cs.available(line.skuId);
    if (line.quantity - current > available) {
      return new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', {
        skuId: line.skuId,
        requested: line.quantity,
        // What this owner could hold: what is free plus what it already holds.
        available: available + current,
      });
    }
  }
  return null;
}

/** Sets the owner's holding of one SKU to `quantity` (0 releases it); a re-reserve refreshes its lifetime. */
function setHolding(holdings: Holdings, owner: Owner, skuId: string, quantity: number, expiresAt: string | null): void {
  const key = ownerKey(owner.type, owner.id, skuId);
  const h = holdings.get(key);
  if (quantity === 0) {
    if (h && h.write.status === 'active') {
      h.write.status = 'released';
      h.changed = true;
    }
  } else if (h) {
    // A released row of this batch comes back.
    h.write = { ...h.write, quantity, status: 'active', expiresAt };
    h.changed = true;
  } else {
    holdings.set(key, {
      write: { id: newId(), ownerType: owner.type, ownerId: owner.id, skuId, quantity, status: 'active', expiresAt },
      existing: false,
      changed: true,
    });
  }
}

/** An accepted request: the stock moves (ledger), the holdings and its `reserved` event. */
function accept(cs: ChangeSet, holdings: Holdings, req: ReserveRequest, now: Date): ReserveResult {
  const { owner } = req;
  const expiresAt = req.ttlSeconds === null ? null : new Date(now.getTime() + req.ttlSeconds * 1000).toISOString();
  const by = { operator: req.operator, reason: 'reserve', refType: refTypeOf(owner), refId: owner.id };
  const lines: ReservedLine[] = req.lines.map((line) => {
    const delta = line.quantity - heldBy(holdings, owner, line.skuId);
    if (delta > 0) cs.move(line.skuId, { type: 'RESERVE', quantity: delta, reserved: delta }, by);
    if (delta < 0) cs.move(line.skuId, { type: 'RELEASE', quantity: -delta, reserved: delta }, by);
    setHolding(holdings, owner, line.skuId, line.quantity, expiresAt);
    return { skuId: line.skuId, quantity: line.quantity, delta };
  });
  const changed = lines.filter((l) => l.delta !== 0);
  if (changed.length) {
    const data: InventoryReservedV1 = { owner, lines: changed, expiresAt };
    cs.events.push({ type: EVENTS.inventory.reserved, aggregateId: owner.id, version: INVENTORY_EVENT_VERSION, data });
  }
  return { owner, lines, expiresAt };
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
  const holdings = holdingsOf(existing);
  const outcomes = requests.map((req): ReserveOutcome => {
    const error = refusal(cs, holdings, req);
    return error ? { ok: false, error } : { ok: true, result: accept(cs, holdings, req, now) };
  });
  for (const h of holdings.values()) {
    if (!h.changed) continue;
    if (h.existing) cs.updates.push(h.write);
    else if (h.write.status === 'active') cs.inserts.push(h.write);
  }
  cs.addLowStockEvents();
  return outcomes;
}
