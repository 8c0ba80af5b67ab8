import { QueryTypes, type Transaction } from 'sequelize';
import type { PublicStock } from '@zjmall/contracts';
import { memoKeys, type Cache, type Db, type Logger, type Stamp } from '@zjmall/platform';
import { stockStatus } from './views';

/** Public answers live briefly: every writer deletes the keys it changed before it answers. */
const TTL_SECONDS = 10;
/** Unknown SKUs are remembered as unknown for a moment (penetration guard); initStock deletes the mark. */
const MISSING_TTL_SECONDS = 5;

const keyOf = memoKeys('inv:pub:');

export interface StockCache {
  /** In input order, duplicates once; unknown SKUs are left out. */
  /**
   * With `transaction`, misses are read in it (a caller inside a transaction must not wait for a
   * second pool connection: N such callers on a pool of N would wait for each other) and are not
   * cached (the transaction may have changed the rows).
   */
  getPublic(skuIds: string[], opts?: { transaction?: Transaction }): Promise<PublicStock[]>;
  /** getPublic with a stamp of the cache entries it read (null unless all were in memory). */
  getPublicStamped(skuIds: string[]): Promise<{ stock: PublicStock[]; stamp: Stamp | null }>;
  /** After a commit: drops the SKUs' public answers here, in Redis and (by broadcast) in every process. */
  invalidate(skuIds: string[]): Promise<void>;
  /** For writes in a caller's transaction: invalidates once it commits, before the caller's commit resolves. */
  invalidateAfterCommit(tx: Transaction, skuIds: string[]): void;
}

export function createStockCache({ cache, db, log }: { cache: Cache; db: Db; log: Logger }): StockCache {
  async function invalidate(skuIds: string[]) {
    if (skuIds.length === 0) return;
    try {
      await cache.del(skuIds.map(keyOf));
    } catch (err) {
      // The change is committed; failing its caller now would misreport it. The TTL bounds staleness.
      log.warn({ err, skuIds: skuIds.slice(0, 10) }, 'inventory cache invalidation failed');
    }
  }

  /** `ids` in order, from the cache's answers (`cached`, aligned) and the database for its misses. */
  async function complete(
    ids: string[],
    cached: (PublicStock | null | undefined)[],
    transaction?: Transaction,
  ): Promise<PublicStock[]> {
    const misses = ids.filter((_, i) => cached[i] === undefined);
    const found = new Map<string, PublicStock>();
    if (misses.length) {
      const rows = await db.query<{ sku_id: string; available: number; low_stock_threshold: number }>(
        `SELECT sku_id, on_hand - reserved AS available, low_stock_threshold FROM inventory.stock WHERE sku_id = ANY($1::uuid[])`,
        { bind: [misses], type: QueryTypes.SELECT, transaction },
      );
      for (const r of rows) {
        found.set(r.sku_id, {
          skuId: r.sku_id,
          available: r.available,
          status: stockStatus(r.available, r.low_stock_threshold),
        });
      }
      const entries = misses.map((id) => {
        const value = found.get(id) ?? null;
        return { key: keyOf(id), value, ttlSeconds: value ? TTL_SECONDS : MISSING_TTL_SECONDS };
      });
      // Filling the cache is not the reader's business: answer now, and log if it fails. Inside a
      // caller's transaction nothing is kept (it may have changed the rows).
      if (!transaction) cache.fill(entries).catch((err: unknown) => log.warn({ err }, 'inventory cache fill failed'));
    }
    const out: PublicStock[] = [];
    ids.forEach((id, i) => {
      const v = cached[i] ?? found.get(id);
      if (v) out.push(v);
    });
    return out;
  }

  return {
    async getPublic(skuIds, opts) {
      const ids = [...new Set(skuIds)];
      if (ids.length === 0) return [];
      return complete(ids, await cache.mget<PublicStock | null>(ids.map(keyOf)), opts?.transaction);
    },

    async getPublicStamped(skuIds) {
      const ids = [...new Set(skuIds)];
      const { values, stamp } = await cache.mgetStamped<PublicStock | null>(ids.map(keyOf));
      return { stock: await complete(ids, values), stamp };
    },

    invalidate,

    invalidateAfterCommit(tx, skuIds) {
      if (skuIds.length) tx.afterCommit(() => invalidate(skuIds));
    },
  };
}
