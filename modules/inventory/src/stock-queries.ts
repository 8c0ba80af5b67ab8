import { literal, Op, QueryTypes, Transaction } from 'sequelize';
import type {
  AdminStock,
  InventoryAuditReport,
  InventoryLowStockInput,
  InventoryLowStockPage,
  InventoryTransactionsInput,
  InventoryTransactionsPage,
  StockMismatch,
} from '@zjmall/contracts';
import type { Db } from '@zjmall/platform';
import { LedgerEntryModel, StockModel } from './models';
import { decodeCursor, encodeCursor, toAdminStock, toLedgerEntry } from './views';

const DEFAULT_LIMIT = 50;
const MAX_REPORTED_MISMATCHES = 1_000;

/** Admin reads: full counts, low-stock pages, a SKU's ledger, and the audit. Straight from the database. */
export function createStockQueries({ db }: { db: Db }) {
  return {
    /** In input order, duplicates once; unknown SKUs are left out. */
    async getAdmin(skuIds: string[]): Promise<AdminStock[]> {
      const ids = [...new Set(skuIds)];
      if (ids.length === 0) return [];
      const rows = await StockModel.findAll({ where: { skuId: ids } });
      const byId = new Map(rows.map((r) => [r.skuId, toAdminStock(r)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** SKUs whose available is at or below their threshold, by SKU id. */
    async lowStock(input: InventoryLowStockInput): Promise<InventoryLowStockPage> {
      const limit = input.limit ?? DEFAULT_LIMIT;
      const rows = await StockModel.findAll({
        where: {
          [Op.and]: [
            literal('on_hand - reserved <= low_stock_threshold'),
            ...(input.cursor ? [{ skuId: { [Op.gt]: decodeCursor(input.cursor) } }] : []),
          ],
        },
        order: [['skuId', 'ASC']],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(toAdminStock),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].skuId) : null,
      };
    },

    /** A SKU's ledger, newest first, optionally only some kinds of movement within [from, to). */
    async transactions(input: InventoryTransactionsInput): Promise<InventoryTransactionsPage> {
      const limit = input.limit ?? DEFAULT_LIMIT;
      const rows = await LedgerEntryModel.findAll({
        where: {
          skuId: input.skuId,
          ...(input.cursor ? { id: { [Op.lt]: decodeCursor(input.cursor) } } : {}),
          ...(input.types ? { type: { [Op.in]: input.types } } : {}),
          ...(input.from || input.to
            ? {
                createdAt: {
                  ...(input.from ? { [Op.gte]: new Date(input.from) } : {}),
                  ...(input.to ? { [Op.lt]: new Date(input.to) } : {}),
                },
              }
            : {}),
        },
        order: [['id', 'DESC']],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => toLedgerEntry(r)),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
      };
    },

    /**
     * Recomputes every SKU's on hand and reserved from its ledger (sum of the rows' after − before)
     * and reserved from its active reservations, in one snapshot, and reports where they disagree
     * with the stock row — and ledger rows whose quantity does not match their own movement.
     */
    audit(): Promise<InventoryAuditReport> {
      return db.transaction(
        { isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ, readOnly: true },
        async (tx) => {
          const rows = await db.query<{
            sku_id: string;
            on_hand: number;
            ledger_on_hand: number;
            reserved: number;
            ledger_reserved: number;
            active_reserved: number;
            bad_rows: number;
            total: number;
          }>(AUDIT_SQL, { bind: [MAX_REPORTED_MISMATCHES], type: QueryTypes.SELECT, transaction: tx });
          const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inventory.stock`, {
            type: QueryTypes.SELECT,
            transaction: tx,
          });
          const mismatches: StockMismatch[] = rows.map((r) => ({
            skuId: r.sku_id,
            onHand: r.on_hand,
            ledgerOnHand: r.ledger_on_hand,
            reserved: r.reserved,
            ledgerReserved: r.ledger_reserved,
            activeReserved: r.active_reserved,
            inconsistentLedgerRows: r.bad_rows,
          }));
          const [{ now }] = await db.query<{ now: Date }>(`SELECT now() AS now`, {
            type: QueryTypes.SELECT,
            transaction: tx,
          });
          return { checkedSkus: n, mismatchCount: rows[0]?.total ?? 0, mismatches, checkedAt: now.toISOString() };
        },
      );
    },
  };
}

export type StockQueries = ReturnType<typeof createStockQueries>;

// What each ledger type may move: IN adds on hand, OUT (consumption) takes on hand and reserved,
// RESERVE/RELEASE move reserved only, ADJUST moves on hand only.
const AUDIT_SQL = `
WITH l AS (
  SELECT sku_id,
         sum(on_hand_after - on_hand_before)::bigint AS on_hand,
         sum(reserved_after - reserved_before)::bigint AS reserved,
         count(*) FILTER (WHERE NOT CASE type
           WHEN 'IN'      THEN on_hand_after - on_hand_before = quantity  AND reserved_after = reserved_before
           WHEN 'OUT'     THEN on_hand_before - on_hand_after = quantity  AND reserved_before - reserved_after = quantity
           WHEN 'RESERVE' THEN on_hand_after = on_hand_before AND reserved_after - reserved_before = quantity
           WHEN 'RELEASE' THEN on_hand_after = on_hand_before AND reserved_before - reserved_after = quantity
           WHEN 'ADJUST'  THEN abs(on_hand_after - on_hand_before) = quantity AND reserved_after = reserved_before
           ELSE false END)::int AS bad_rows
    FROM inventory.ledger GROUP BY sku_id
), r AS (
  SELECT sku_id, sum(quantity)::bigint AS reserved FROM inventory.reservations WHERE status = 'active' GROUP BY sku_id
), m AS (
  SELECT s.sku_id, s.on_hand, s.reserved,
         coalesce(l.on_hand, 0) AS ledger_on_hand, coalesce(l.reserved, 0) AS ledger_reserved,
         coalesce(r.reserved, 0) AS active_reserved, coalesce(l.bad_rows, 0) AS bad_rows
    FROM inventory.stock s LEFT JOIN l USING (sku_id) LEFT JOIN r USING (sku_id)
   WHERE s.on_hand <> coalesce(l.on_hand, 0) OR s.reserved <> coalesce(l.reserved, 0)
      OR s.reserved <> coalesce(r.reserved, 0) OR coalesce(l.bad_rows, 0) > 0
)
SELECT m.*, count(*) OVER ()::int AS total FROM m ORDER BY sku_id LIMIT $1`;
