import { fn, QueryTypes, type Transaction } from 'sequelize';
import { EVENTS, INVENTORY_EVENT_VERSION, type AdminStock, type InventoryAdjustedV1 } from '@zjmall/contracts';
import { DomainError, withIdempotency, type Db, type Outbox } from '@zjmall/platform';
import { ChangeSet } from './change-set';
import type { StockCache } from './inventory.cache';
import { StockModel } from './models';
import { lockStock, writeChangeSet } from './stock.store';
import type {
  AdjustManyRequest,
  AdjustRequest,
  ChangedBy,
  InitStockItem,
  SetThresholdRequest,
  StockLine,
  StockRow,
} from './types';
import { DEFAULT_LOW_STOCK_THRESHOLD, toAdminStock } from './views';

const MAX_STOCK = 1_000_000_000_000;

function adjustedEvent(
  before: StockRow,
  after: StockRow,
  source: InventoryAdjustedV1['source'],
  by: ChangedBy,
  mode?: InventoryAdjustedV1['mode'],
) {
  const data: InventoryAdjustedV1 = {
    skuId: after.skuId,
    source,
    ...(mode ? { mode } : {}),
    onHandBefore: before.onHand,
    onHandAfter: after.onHand,
    reserved: after.reserved,
    available: after.onHand - after.reserved,
    operator: by.operator,
    reason: by.reason,
    refType: by.refType,
    refId: by.refId ?? null,
  };
  return { type: EVENTS.inventory.adjusted, aggregateId: after.skuId, version: INVENTORY_EVENT_VERSION, data };
}

const checkCount = (what: string, n: number) => {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_STOCK) throw new TypeError(`${what}: invalid quantity ${n}`);
};

/** Merges repeated SKUs (their quantities add) and sorts by SKU. */
function merge(items: StockLine[]): StockLine[] {
  const m = new Map<string, number>();
  for (const i of items) {
    checkCount('returnStock', i.quantity);
    m.set(i.skuId, (m.get(i.skuId) ?? 0) + i.quantity);
  }
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([skuId, quantity]) => ({ skuId, quantity }));
}

type AdjustItem = Pick<AdjustRequest, 'skuId' | 'mode' | 'quantity'>;

/** Stock that enters or leaves outside a sale: initial stock, refunds' returns, admin corrections. */
export function createStockAdmin(deps: { db: Db; outbox: Outbox; stockCache: StockCache }) {
  const { db, outbox, stockCache } = deps;

  /**
   * Locks the SKUs' stock rows (one statement, sorted by SKU: the module's locking protocol),
   * checks every item, then writes one ADJUST ledger row and one `adjusted` event per item in
   * the caller's transaction. Nothing is written when any item is refused.
   */
  async function applyAdjustments(tx: Transaction, items: AdjustItem[], by: ChangedBy): Promise<AdminStock[]> {
    const locked = await lockStock(
      db,
      tx,
      items.map((i) => i.skuId),
    );
    const cs = new ChangeSet(locked.rows);
    items.forEach(({ skuId, mode, quantity }, index) => {
      if (!cs.has(skuId))
        throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId, ...(items.length > 1 ? { index } : {}) });
      const before = { ...cs.row(skuId) };
      const target =
        mode === 'ADD' ? before.onHand + quantity : mode === 'SUBTRACT' ? before.onHand - quantity : quantity;
      if (target < before.reserved || target > MAX_STOCK) {
        throw new DomainError(
          'INSUFFICIENT_STOCK',
          target < 0 ? 'On hand cannot go below zero' : 'On hand cannot go below what is reserved',
          {
            skuId,
            ...(items.length > 1 ? { index } : {}),
            mode,
            requested: quantity,
            available: before.onHand - before.reserved,
            onHand: before.onHand,
            reserved: before.reserved,
          },
        );
      }
      const d = target - before.onHand;
      cs.move(skuId, { type: 'ADJUST', quantity: Math.abs(d), onHand: d }, by);
      cs.events.push(adjustedEvent(before, cs.row(skuId), 'adjust', by, mode));
    });
    cs.addLowStockEvents();
    await writeChangeSet(db, outbox, tx, cs);
    return items.map(({ skuId }) => {
      const after = cs.row(skuId);
      return toAdminStock({ ...after, lowStockThreshold: after.threshold, updatedAt: locked.now });
    });
  }

  return {
    /**
     * Creates stock rows in the caller's transaction (catalog's createProduct), each with an IN
     * ledger row for its initial quantity. SKUs that already have stock are left alone, so a
     * repeated import is harmless; returns the SKUs created.
     */
    async initStock(tx: Transaction, items: InitStockItem[], by: ChangedBy): Promise<{ created: string[] }> {
      if (items.length === 0) return { created: [] };
      for (const i of items) checkCount('initStock', i.onHand);
      const created = await db.query<{ sku_id: string }>(
        `INSERT INTO inventory.stock (sku_id, on_hand, reserved, low_stock_threshold)
         SELECT sku_id, 0, 0, threshold FROM unnest($1::uuid[], $2::int[]) AS i(sku_id, threshold)
         ON CONFLICT (sku_id) DO NOTHING RETURNING sku_id`,
        {
          bind: [items.map((i) => i.skuId), items.map((i) => i.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD)],
          type: QueryTypes.SELECT,
          transaction: tx,
        },
      );
      const ids = new Set(created.map((r) => r.sku_id));
      const fresh = items.filter((i) => ids.has(i.skuId));
      // The rows start at zero and the stock arrives through the ledger, like any later IN.
      const cs = new ChangeSet(
        fresh.map((i) => ({
          skuId: i.skuId,
          onHand: 0,
          reserved: 0,
          threshold: i.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD,
        })),
      );
      for (const i of fresh) {
        if (i.onHand === 0) continue;
        const before = { ...cs.row(i.skuId) };
        cs.move(i.skuId, { type: 'IN', quantity: i.onHand, onHand: i.onHand }, by);
        cs.events.push(adjustedEvent(before, cs.row(i.skuId), 'init', by));
      }
      await writeChangeSet(db, outbox, tx, cs);
      // Drops the penetration guard's "unknown SKU" marks once the rows are visible.
      stockCache.invalidateAfterCommit(tx, [...ids]);
      return { created: [...ids] };
    },

    /** Puts refunded items back on hand in the caller's transaction (ledger IN, by default ref ORDER). */
    async returnStock(tx: Transaction, items: StockLine[], by: ChangedBy): Promise<void> {
      const lines = merge(items).filter((l) => l.quantity > 0);
      if (lines.length === 0) return;
      const locked = await lockStock(
        db,
        tx,
        lines.map((l) => l.skuId),
      );
      const cs = new ChangeSet(locked.rows);
      for (const l of lines) {
        if (!cs.has(l.skuId)) throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: l.skuId });
        const before = { ...cs.row(l.skuId) };
        cs.move(l.skuId, { type: 'IN', quantity: l.quantity, onHand: l.quantity }, by);
        cs.events.push(adjustedEvent(before, cs.row(l.skuId), 'return', by));
      }
      await writeChangeSet(db, outbox, tx, cs);
      stockCache.invalidateAfterCommit(tx, cs.changedSkus());
    },

    /**
     * An admin's correction, once per idempotency key (scoped to the admin and the procedure): a
     * repeat answers the first result. On hand may not go below zero or below what is reserved.
     */
    async adjust(req: AdjustRequest): Promise<AdminStock> {
      const { skuId, mode, quantity, reason, operator } = req;
      checkCount('adjust', quantity);
      const scope = `user:${operator}:inventory.admin.adjust`;
      const result = await withIdempotency(
        db,
        { scope, key: req.idempotencyKey, input: { skuId, mode, quantity, reason } },
        (tx) => applyAdjustments(tx, [{ skuId, mode, quantity }], { operator, reason, refType: 'MANUAL', refId: null }),
      );
      await stockCache.invalidate([skuId]);
      return result[0];
    },

    /**
     * Several corrections in one transaction, once per idempotency key (its own scope): all apply
     * or none does. The first item that would take on hand below zero or below what is reserved
     * answers INSUFFICIENT_STOCK naming its SKU (and its index in `items`). Answers the stock views
     * in the order of `items`.
     */
    async adjustMany(req: AdjustManyRequest): Promise<AdminStock[]> {
      const { items, reason, operator } = req;
      if (new Set(items.map((i) => i.skuId)).size !== items.length)
        throw new TypeError('adjustMany: a SKU appears twice');
      for (const i of items) checkCount('adjustMany', i.quantity);
      const scope = `user:${operator}:inventory.admin.adjustMany`;
      const input = { items: items.map(({ skuId, mode, quantity }) => ({ skuId, mode, quantity })), reason };
      const result = await withIdempotency(db, { scope, key: req.idempotencyKey, input }, (tx) =>
        applyAdjustments(tx, input.items, { operator, reason, refType: 'MANUAL', refId: null }),
      );
      await stockCache.invalidate(items.map((i) => i.skuId));
      return result;
    },
    async setThreshold(req: SetThresholdRequest): Promise<AdminStock> {
      checkCount('setThreshold', req.threshold);
      const [, rows] = await StockModel.update(
        { lowStockThreshold: req.threshold, updatedAt: fn('now') },
        { where: { skuId: req.skuId }, returning: true },
      );
      if (!rows.length) throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: req.skuId });
      // The public status depends on the threshold.
      await stockCache.invalidate([req.skuId]);
      return toAdminStock(rows[0]);
    },
  };
}

export type StockAdmin = ReturnType<typeof createStockAdmin>;
