import type { Stamp } from '@zjmall/platform';
import type { CatalogSku, ProductStatus, PurchaseLimit, SkuPromotion, SkuStatus } from '@zjmall/contracts';
import { cacheKeys } from './catalog.cache';
import { isUuid, select, type CatalogDeps } from './catalog.deps';
import { stockOf } from './inventory-port';
import {
  currentPrice,
  PRICE_SINCE,
  PROMOTION_COLUMNS,
  promotionOf,
  ttlUpTo,
  type PromotionColumns,
} from './promotion-view';

/** What cart and order need of a SKU (from the cache; prices are live). */
export interface SkuView {
  skuId: string;
  productId: string;
  productName: string;
  /** The product's first image. */
  image: string | null;
  code: string;
  spec: Record<string, string>;
  /** The current price: the promotional one inside a promotion's window, else the base price. */
  price: number;
  /**
   * Since when `price` has been the price (ISO, database clock): the last change of the current
   * price — a base price change that showed, a promotion's start or end. The honour window of
   * PRICE_HONOR_SECONDS counts from it (modules/order).
   */
  priceSince: string;
  basePrice: number;
  promotion: SkuPromotion | null;
  /** Units per customer with its window (null: none); `limitInForce` says whether it holds now. */
  purchaseLimit: PurchaseLimit | null;
  status: SkuStatus;
  productStatus: ProductStatus;
  /** Published product and active SKU: may be put in a cart and ordered. */
  availableForSale: boolean;
}

interface SkuRow extends PromotionColumns {
  id: string;
  product_id: string;
  product_name: string;
  image: string | null;
  code: string;
  spec: Record<string, string>;
  price: number;
  status: SkuStatus;
  product_status: ProductStatus;
  purchase_limit: number | null;
  limit_starts_at: Date | null;
  limit_ends_at: Date | null;
  price_since: Date;
}

const toView = (r: SkuRow): SkuView => {
  const promotion = promotionOf(r);
  return {
    skuId: r.id,
    productId: r.product_id,
    productName: r.product_name,
    image: r.image,
    code: r.code,
    spec: r.spec,
    price: currentPrice(promotion?.price ?? null, r.price),
    priceSince: r.price_since.toISOString(),
    basePrice: r.price,
    promotion,
    purchaseLimit:
      r.purchase_limit === null
        ? null
        : {
            limit: r.purchase_limit,
            startsAt: r.limit_starts_at?.toISOString() ?? null,
            endsAt: r.limit_ends_at?.toISOString() ?? null,
          },
    status: r.status,
    productStatus: r.product_status,
    availableForSale: r.product_status === 'published' && r.status === 'active',
  };
};

export function createSkuViewsQuery(deps: CatalogDeps) {
  const { db, cache } = deps;

  /**
   * The cart's hot path: one cache mget for every id, one query for the misses, one mset.
   * Found SKUs come back in the order asked (each once); unknown ids are left out and remembered
   * as missing for a short while, so a flood of made-up ids does not reach the database. A view
   * showing a promotion is cached no longer than the promotion lasts.
   */
  async function getSkus(ids: string[], opts?: { fresh?: boolean }): Promise<SkuView[]> {
    const unique = [...new Set(ids)].filter(isUuid);
    if (unique.length === 0) return [];
    // fresh: from the database (and back into the cache), e.g. after a price event that may have
    // outrun the writer's cache invalidation.
    const cached = opts?.fresh
      ? unique.map(() => undefined)
      : await cache.store.mget<SkuView | null>(unique.map(cacheKeys.sku));
    return complete(unique, cached);
  }

  /** `unique` in order, from the cache's answers (`cached`, aligned) and the database for its misses. */
  async function complete(unique: string[], cached: (SkuView | null | undefined)[]): Promise<SkuView[]> {
    const misses = unique.filter((_, i) => cached[i] === undefined);
    const loaded = new Map<string, SkuView>();
    if (misses.length) {
      const rows = await select<SkuRow>(
        db,
        `SELECT s.id, s.product_id, p.name AS product_name, p.images->>0 AS image, s.code, s.spec, s.price, s.status,
                p.status AS product_status, s.purchase_limit, s.limit_starts_at, s.limit_ends_at, ${PROMOTION_COLUMNS},
                ${PRICE_SINCE} AS price_since
           FROM catalog.skus s JOIN catalog.products p ON p.id = s.product_id
          WHERE s.id = ANY($1::uuid[])`,
        [misses],
      );
      const ttl = new Map<string, number>();
      for (const r of rows) {
        loaded.set(r.id, toView(r));
        ttl.set(r.id, ttlUpTo(cache.options.entryTtlSeconds, r.promo_left));
      }
      await cache.fill<SkuView | null>(
        misses.map((id) => {
          const view = loaded.get(id) ?? null;
          return {
            key: cacheKeys.sku(id),
            value: view,
            ttlSeconds: view ? ttl.get(id)! : cache.options.missingTtlSeconds,
          };
        }),
      );
    }
    const out: SkuView[] = [];
    unique.forEach((id, i) => {
      const view = cached[i] ?? loaded.get(id);
      if (view) out.push(view);
    });
    return out;
  }

  /**
   * getSkus, plus a stamp when every entry came from this process's memory (see platform's
   * Cache.mgetStamped): a cart read keeps it and skips the lookups while it stays valid.
   */
  async function getSkusStamped(ids: string[]): Promise<{ skus: SkuView[]; stamp: Stamp | null }> {
    const unique = [...new Set(ids)].filter(isUuid);
    const { values, stamp } = await cache.store.mgetStamped<SkuView | null>(unique.map(cacheKeys.sku));
    return { skus: await complete(unique, values), stamp };
  }

  /** catalog.skus: SKUs of published products with price and stock (ids of others are left out). */
  async function skus(ids: string[]): Promise<CatalogSku[]> {
    const views = (await getSkus(ids)).filter((v) => v.productStatus === 'published');
    const stock = await stockOf(
      deps.inventory,
      views.map((v) => v.skuId),
    );
    return views.map((v) => ({
      skuId: v.skuId,
      productId: v.productId,
      productName: v.productName,
      image: v.image,
      code: v.code,
      spec: v.spec,
      price: v.price,
      basePrice: v.basePrice,
      promotion: v.promotion,
      purchaseLimit: v.purchaseLimit,
      status: v.status,
      availableForSale: v.availableForSale,
      ...stock(v.skuId),
    }));
  }

  return { getSkus, getSkusStamped, skus };
}
