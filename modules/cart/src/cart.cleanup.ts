import { QueryTypes } from 'sequelize';
import type { CartCache } from './cart.cache';
import type { CartOwner, CartServiceDeps } from './types';

export interface CleanupReport {
  /** Lines newly marked unavailable (their product was unpublished or the SKU disabled). */
  flagged: number;
  removedLines: number;
  removedCarts: number;
}

const SKU_BATCH = 500;
const DELETE_BATCH = 1000;

/**
 * The periodic cleanup (modules/api jobs.ts): marks lines whose SKU is no longer for sale
 * (`unavailable_since`, cleared again if it comes back), removes lines unavailable for `days`, and
 * carts (any status) untouched for `days`. Safe with several processes running it.
 */
export function createCleanup(deps: CartServiceDeps, cartCache: CartCache) {
  const { db, catalog } = deps;
  const q = <T extends object>(sql: string, bind: unknown[]) => db.query<T>(sql, { bind, type: QueryTypes.SELECT });

  return async function cleanup(opts: { days?: number } = {}): Promise<CleanupReport> {
    const days = opts.days ?? 30;
    let flagged = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await q<{ sku_id: string }>(
        `SELECT DISTINCT sku_id FROM cart.cart_items WHERE sku_id > $1 ORDER BY sku_id LIMIT $2`,
        [after, SKU_BATCH],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.sku_id);
      after = ids[ids.length - 1];
      const forSale = new Set((await catalog.getSkus(ids)).filter((s) => s.availableForSale).map((s) => s.skuId));
      const off = ids.filter((id) => !forSale.has(id));
      if (off.length) {
        const marked = await q<{ id: string }>(
          `UPDATE cart.cart_items SET unavailable_since = now() WHERE sku_id = ANY($1::uuid[]) AND unavailable_since IS NULL RETURNING id`,
          [off],
        );
        flagged += marked.length;
      }
      if (forSale.size) {
        await db.query(
          `UPDATE cart.cart_items SET unavailable_since = NULL WHERE sku_id = ANY($1::uuid[]) AND unavailable_since IS NOT NULL`,
          {
            bind: [[...forSale]],
          },
        );
      }
    }
    const owners = new Map<string, CartOwner>();
    const keep = (rows: { owner_type: 'user' | 'guest'; owner_id: string }[]) => {
      for (const r of rows) owners.set(`${r.owner_type}:${r.owner_id}`, { type: r.owner_type, id: r.owner_id });
    };
    const lines = await q<{ owner_type: 'user' | 'guest'; owner_id: string }>(
      // The carts' rows are written too (a new row version, updated_at kept): every writer of a
      // cart's lines writes its cart row, which batched adds rely on (cart.store lockActiveMany).
      `WITH gone AS (DELETE FROM cart.cart_items WHERE unavailable_since < now() - make_interval(days => $1::int) RETURNING cart_id)
       UPDATE cart.carts c SET updated_at = c.updated_at WHERE c.id IN (SELECT cart_id FROM gone) RETURNING c.owner_type, c.owner_id`,
      [days],
    );
    keep(lines);
    const removedLines = lines.length;
    let removedCarts = 0;
    for (;;) {
      const carts = await q<{ owner_type: 'user' | 'guest'; owner_id: string }>(
        `DELETE FROM cart.carts WHERE id IN (
           SELECT id FROM cart.carts WHERE updated_at < now() - make_interval(days => $1::int) LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING owner_type, owner_id`,
        [days, DELETE_BATCH],
      );
      keep(carts);
      removedCarts += carts.length;
      if (carts.length < DELETE_BATCH) break;
    }
    if (owners.size) await cartCache.invalidate([...owners.values()]);
    return { flagged, removedLines, removedCarts };
  };
}
