import { EVENTS, INVENTORY_EVENT_VERSION, type InventoryLowStockV1, type LedgerType } from '@zjmall/contracts';
import { newId, type NewEvent } from '@zjmall/platform';
import type { ChangedBy, LedgerRow, OwnerType, StockRow } from './types';

interface Tracked extends StockRow {
  availableBefore: number;
  onHandDelta: number;
  reservedDelta: number;
}

/** A reservation row's state to write: the whole new state of an existing row, or a new active row. */
export interface ReservationWrite {
  id: string;
  ownerType: OwnerType;
  ownerId: string;
  skuId: string;
  quantity: number;
  status: 'active' | 'released' | 'consumed';
  /** ISO-8601; computed from the database's now(), never the process clock. */
  expiresAt: string | null;
}

export interface Movement {
  type: LedgerType;
  /** The size of the change (ledger `quantity`). */
  quantity: number;
  onHand?: number;
  reserved?: number;
}

/**
 * Everything one use case changes, planned in memory over stock rows read under their row locks,
 * then written by `writeChangeSet` in a few statements. Every movement updates the running counts
 * and records a ledger row with its before/after, so rows of one transaction chain exactly.
 */
export class ChangeSet {
  readonly ledger: LedgerRow[] = [];
  readonly updates: ReservationWrite[] = [];
  readonly inserts: ReservationWrite[] = [];
  readonly events: NewEvent[] = [];
  private readonly stock = new Map<string, Tracked>();

  constructor(rows: Iterable<StockRow>) {
    for (const r of rows)
      this.stock.set(r.skuId, { ...r, availableBefore: r.onHand - r.reserved, onHandDelta: 0, reservedDelta: 0 });
  }

  has(skuId: string): boolean {
    return this.stock.has(skuId);
  }

  /** The SKU's current counts, including this change set's movements so far. */
  row(skuId: string): Readonly<StockRow> {
    const t = this.stock.get(skuId);
    if (!t) throw new Error(`stock row ${skuId} was not locked`);
    return t;
  }

  available(skuId: string): number {
    const t = this.row(skuId);
    return t.onHand - t.reserved;
  }

  move(skuId: string, m: Movement, by: ChangedBy): void {
    const t = this.stock.get(skuId);
    if (!t) throw new Error(`stock row ${skuId} was not locked`);
    const dOnHand = m.onHand ?? 0;
    const dReserved = m.reserved ?? 0;
    this.ledger.push({
      id: newId(),
      skuId,
      type: m.type,
      quantity: m.quantity,
      onHandBefore: t.onHand,
      onHandAfter: t.onHand + dOnHand,
      reservedBefore: t.reserved,
      reservedAfter: t.reserved + dReserved,
      operator: by.operator,
      reason: by.reason,
      refType: by.refType,
      refId: by.refId ?? null,
    });
    t.onHand += dOnHand;
    t.reserved += dReserved;
    t.onHandDelta += dOnHand;
    t.reservedDelta += dReserved;
  }

  /** Net change per SKU, for the one conditional UPDATE of the write. */
  stockDeltas(): { skuId: string; onHand: number; reserved: number }[] {
    const out: { skuId: string; onHand: number; reserved: number }[] = [];
    for (const t of this.stock.values()) {
      if (t.onHandDelta !== 0 || t.reservedDelta !== 0)
        out.push({ skuId: t.skuId, onHand: t.onHandDelta, reserved: t.reservedDelta });
    }
    return out;
  }

  /**
   * The stock rows to write: every row with a net change, plus (with a zero change) every locked
   * row whose SKU has a reservation written here. So every writer of a SKU's reservations writes its
   * stock row — a new row version — which lets a reader that locks the row tell whether the
   * reservations it read in its snapshot can have changed since (stock.store lockWithReservations).
   */
  stockWrites(): { skuId: string; onHand: number; reserved: number }[] {
    const touched = new Set([...this.updates, ...this.inserts].map((r) => r.skuId));
    const out: { skuId: string; onHand: number; reserved: number }[] = [];
    for (const t of this.stock.values()) {
      if (t.onHandDelta !== 0 || t.reservedDelta !== 0 || touched.has(t.skuId))
        out.push({ skuId: t.skuId, onHand: t.onHandDelta, reserved: t.reservedDelta });
    }
    return out;
  }

  /** SKUs whose public answer (available, status) may have changed: their cache entries go. */
  changedSkus(): string[] {
    return this.stockDeltas().map((d) => d.skuId);
  }

  /** `low_stock` once per SKU whose available went from above its threshold to at or below it. */
  addLowStockEvents(): void {
    for (const t of this.stock.values()) {
      const after = t.onHand - t.reserved;
      if (t.availableBefore > t.threshold && after <= t.threshold) {
        const data: InventoryLowStockV1 = {
          skuId: t.skuId,
          available: after,
          threshold: t.threshold,
          onHand: t.onHand,
        };
        this.events.push({
          type: EVENTS.inventory.lowStock,
          aggregateId: t.skuId,
          version: INVENTORY_EVENT_VERSION,
          data,
        });
      }
    }
  }

  get isEmpty(): boolean {
    return (
      this.ledger.length === 0 && this.updates.length === 0 && this.inserts.length === 0 && this.events.length === 0
    );
  }
}
