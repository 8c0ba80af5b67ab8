import type { Transaction } from 'sequelize';
import type { Db } from '@zjmall/platform';
import { select } from './order.deps';

/** A SKU whose purchase limit is in force, and the instant from which its orders count (null: every order). */
export interface LimitedSku {
  skuId: string;
  since: string | null;
}

export interface UnitsBoughtOptions {
  /** The transaction to read (and lock) in. */
  tx?: Transaction;
  /**
   * Take the customer's purchase-limit lock first (a transaction advisory lock per customer, held
   * to the commit), so that no other add or checkout of theirs counts between this count and the
   * commit of what it decides. Its place in the lock order: after the cart rows, before the SKU
   * Redlocks (docs/architecture.md).
   */
  lock?: boolean;
  /** Leave this order out (checkout counts after inserting its own order). */
  excludeOrderId?: string;
}

/**
 * "Units of these SKUs bought by customer X since T": order owns the orders, so it answers; cart
 * (adds, quantity changes, merge) gets this through a port wired in modules/api, and checkout uses
 * it directly. Counted: items of the customer's orders not cancelled and not refunded in full,
 * placed at or after the SKU's `since`, less their refunded quantity. One statement (and one for
 * the lock), on `orders_user_idx`.
 */
export function createPurchaseCounter({ db }: { db: Db }) {
  async function unitsBought(
    userId: string,
    skus: LimitedSku[],
    opts: UnitsBoughtOptions = {},
  ): Promise<Map<string, number>> {
    const bought = new Map<string, number>();
    if (skus.length === 0) return bought;
    if (opts.lock) {
      await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('zjmall.purchase-limit:' || $1, 0))`, {
        bind: [userId],
        transaction: opts.tx,
      });
    }
    const rows = await select<{ sku_id: string; units: number }>(
      db,
      `SELECT i.sku_id, sum(i.quantity - i.refunded_quantity)::int AS units
         FROM "order".orders o
         JOIN "order".order_items i ON i.order_id = o.id AND i.sku_id = ANY($2::uuid[])
         JOIN unnest($2::uuid[], $3::timestamptz[]) AS w(sku_id, since) ON w.sku_id = i.sku_id
        WHERE o.user_id = $1 AND o.status <> 'cancelled' AND o.refund_status <> 'full'
          AND (w.since IS NULL OR o.created_at >= w.since)
          AND ($4::uuid IS NULL OR o.id <> $4::uuid)
        GROUP BY i.sku_id`,
      [userId, skus.map((s) => s.skuId), skus.map((s) => s.since), opts.excludeOrderId ?? null],
      opts.tx,
    );
    for (const r of rows) bought.set(r.sku_id, r.units);
    return bought;
  }
  return { unitsBought };
}

export type PurchaseCounter = ReturnType<typeof createPurchaseCounter>;
