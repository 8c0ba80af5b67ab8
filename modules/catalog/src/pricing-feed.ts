import type { Transaction } from 'sequelize';
import { EVENTS, type PriceChangedV1, type PriceRuleScope } from '@zjmall/contracts';
import type { Cache, Db, Logger, Outbox } from '@zjmall/platform';
import { DEFAULT_CATALOG_OPTIONS, createCatalogCache } from './catalog.cache';
import { select } from './catalog.deps';
import { currentPrice, priceChangedAtFor } from './promotion-view';
import { addPriceEvents, insertPromotions, refreshShown } from './promotions.store';

/** One active SKU as pricing's batch jobs read it (with its product's category, brand and attributes). */
export interface PricingFeedRow {
  skuId: string;
  productId: string;
  price: number;
  costPrice: number | null;
  categoryId: string;
  brandId: string | null;
  attributes: Record<string, string>;
  spec: Record<string, string>;
}

export interface PricingFeedDeps {
  db: Db;
  outbox: Outbox;
  cache: Cache;
  log: Logger;
}

export interface CatalogPricingFeed {
  /** Every category with its path (ancestors' ids, then its own): rules expand categories to descendants. */
  categoryPaths(): Promise<{ id: string; path: string[] }[]>;
  /** How many active SKUs `scope` covers (a job's `total`). */
  countSkus(scope?: PriceRuleScope): Promise<number>;
  /**
   * The next `limit` active SKUs in scope after `afterSkuId` (id order), locked FOR UPDATE in the
   * caller's transaction so the prices evaluated are the prices overwritten.
   */
  lockBatch(
    q: { afterSkuId: string | null; limit: number; scope?: PriceRuleScope },
    transaction: Transaction,
  ): Promise<PricingFeedRow[]>;
  /**
   * Writes a job's batch of new base prices in the caller's transaction: only rows whose price is
   * still `oldPrice` change; ONE `catalog.price_changed` (source 'job', aggregate = the job) for the
   * whole batch; the caches of the changed SKUs are dropped after the transaction commits.
   */
  applyJobPrices(
    changes: { skuId: string; productId: string; oldPrice: number; newPrice: number }[],
    origin: { jobId: string },
    transaction: Transaction,
  ): Promise<number>;
  /**
   * Stores a windowed job's batch of promotional prices in the caller's transaction (base prices
   * untouched). A window already begun takes effect at once: the SKUs it now shows get ONE
   * `catalog.price_changed` for the batch (old/new = the current prices) and their caches are
   * dropped after commit. A window in the future changes nothing until the promotion sweeper
   * reaches its start; a window already over is not stored. Returns the promotions stored.
   */
  applyJobPromotions(
    promos: { skuId: string; price: number; basePrice: number }[],
    origin: { jobId: string; window: { startsAt: string; endsAt: string } },
    transaction: Transaction,
  ): Promise<number>;
}

/** The scope as SQL conditions on `s` (skus) and `p` (products), with its bound parameters from `$start`. */
function scopeSql(scope: PriceRuleScope | undefined, start: number): { where: string; bind: unknown[] } {
  const conds: string[] = [];
  const bind: unknown[] = [];
  const param = (v: unknown) => {
    bind.push(v);
    return `$${start + bind.length - 1}`;
  };
  if (scope?.categoryIds)
    conds.push(
      `p.category_id IN (SELECT id FROM catalog.categories WHERE path && ${param(scope.categoryIds)}::uuid[])`,
    );
  if (scope?.brandIds) conds.push(`p.brand_id = ANY(${param(scope.brandIds)}::uuid[])`);
  if (scope?.skuIds) conds.push(`s.id = ANY(${param(scope.skuIds)}::uuid[])`);
  for (const a of scope?.attributes ?? []) {
    const key = param(a.key);
    conds.push(`coalesce(s.spec ->> ${key}, p.attributes ->> ${key}) = ANY(${param(a.values)}::text[])`);
  }
  return { where: conds.map((c) => ` AND ${c}`).join(''), bind };
}

/** catalog's side of pricing's batch recalculation: catalog's tables are read and written only here. */
export function createCatalogPricingFeed({ db, outbox, cache, log }: PricingFeedDeps): CatalogPricingFeed {
  const catalogCache = createCatalogCache(cache, DEFAULT_CATALOG_OPTIONS, log);
  return {
    categoryPaths: () => select<{ id: string; path: string[] }>(db, `SELECT id, path FROM catalog.categories`, []),

    async countSkus(scope) {
      const s = scopeSql(scope, 1);
      const [row] = await select<{ n: number }>(
        db,
        `SELECT count(*)::bigint AS n FROM catalog.skus s JOIN catalog.products p ON p.id = s.product_id WHERE s.status = 'active'${s.where}`,
        s.bind,
      );
      return row.n;
    },

    lockBatch({ afterSkuId, limit, scope }, transaction) {
      const s = scopeSql(scope, 3);
      return select<PricingFeedRow>(
        db,
        `SELECT s.id AS "skuId", s.product_id AS "productId", s.price, s.cost_price AS "costPrice",
                p.category_id AS "categoryId", p.brand_id AS "brandId", p.attributes, s.spec
           FROM catalog.skus s JOIN catalog.products p ON p.id = s.product_id
          WHERE s.status = 'active' AND ($1::uuid IS NULL OR s.id > $1::uuid)${s.where}
          ORDER BY s.id LIMIT $2 FOR UPDATE OF s`,
        [afterSkuId, limit, ...s.bind],
        transaction,
      );
    },

    async applyJobPrices(changes, origin, transaction) {
      if (changes.length === 0) return 0;
      const written = await select<{ skuId: string; oldPrice: number; newPrice: number; promoPrice: number | null }>(
        db,
        `UPDATE catalog.skus s SET price = u.new_price, updated_at = now(), price_changed_at = ${priceChangedAtFor('u.new_price')}
           FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS u(id, old_price, new_price)
          WHERE s.id = u.id AND s.price = u.old_price AND u.new_price <> u.old_price
         RETURNING s.id AS "skuId", u.old_price AS "oldPrice", u.new_price AS "newPrice", s.promo_price AS "promoPrice"`,
        [changes.map((c) => c.skuId), changes.map((c) => c.oldPrice), changes.map((c) => c.newPrice)],
        transaction,
      );
      if (written.length === 0) return 0;
      // Under a promotion the new base is not the current price unless it is below the promotional
      // one: otherwise the event comes when the promotion ends.
      const shown = written
        .map(({ skuId, oldPrice, newPrice, promoPrice }) => ({
          skuId,
          oldPrice: currentPrice(promoPrice, oldPrice),
          newPrice: currentPrice(promoPrice, newPrice),
        }))
        .filter((w) => w.oldPrice !== w.newPrice);
      if (shown.length) {
        const data: PriceChangedV1 = { changes: shown, source: 'job', jobId: origin.jobId };
        await outbox.add(transaction, {
          type: EVENTS.catalog.priceChanged,
          aggregateId: origin.jobId,
          data,
          version: 1,
        });
      }
      const skuIds = new Set(written.map((w) => w.skuId));
      const productIds = changes.filter((c) => skuIds.has(c.skuId)).map((c) => c.productId);
      transaction.afterCommit(() =>
        catalogCache
          .invalidateProducts(productIds, [...skuIds])
          .catch((err: unknown) => log.warn({ err, jobId: origin.jobId }, 'price job cache invalidation failed')),
      );
      return written.length;
    },

    async applyJobPromotions(promos, origin, transaction) {
      const { stored, activeSkuIds } = await insertPromotions(db, origin.jobId, promos, origin.window, transaction);
      const { touched, changes } = await refreshShown(db, activeSkuIds, transaction);
      await addPriceEvents(outbox, changes, transaction);
      if (touched.length) {
        transaction.afterCommit(() =>
          catalogCache
            .invalidateProducts(
              touched.map((t) => t.productId),
              touched.map((t) => t.skuId),
            )
            .catch((err: unknown) => log.warn({ err, jobId: origin.jobId }, 'promotion cache invalidation failed')),
        );
      }
      return stored;
    },
  };
}
