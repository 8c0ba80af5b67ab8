import { memoKeys, type Cache, type Logger } from '@zjmall/platform';

export interface CatalogOptions {
  /** How long a SKU view or a product stays cached (invalidated on every write anyway). */
  entryTtlSeconds: number;
  /** How long an id that does not exist is remembered as missing (penetration guard). */
  missingTtlSeconds: number;
  /** Category tree and brand list. */
  listTtlSeconds: number;
  /**
   * A second invalidation this long after the first (0: none). A reader that loaded the old row
   * just before the write committed may store it after the first delete; the second one drops it.
   */
  invalidateAgainAfterMs: number;
}

export const DEFAULT_CATALOG_OPTIONS: CatalogOptions = {
  entryTtlSeconds: 300,
  missingTtlSeconds: 15,
  listTtlSeconds: 600,
  invalidateAgainAfterMs: 1000,
};

// The version segment lets a change of an entry's shape ignore entries written by older code.
export const cacheKeys = {
  // v2: SKU views and products carry basePrice and promotion; v3: and purchaseLimit.
  sku: memoKeys('catalog:v3:sku:'),
  product: (id: string) => `catalog:v3:product:${id}`,
  categoryTree: 'catalog:v1:category-tree',
  brands: 'catalog:v1:brands',
};

export interface CatalogCache {
  readonly store: Cache;
  readonly options: CatalogOptions;
  /** Stores what a read loaded; a cache failure is logged, never the reader's failure. */
  fill<T>(entries: { key: string; value: T; ttlSeconds: number }[]): Promise<void>;
  /** Drops the keys here, in Redis and in every process before it resolves; again a moment later. */
  invalidate(keys: string[]): Promise<void>;
  /** Drops a product's entry and its SKUs' entries. */
  invalidateProducts(productIds: string[], skuIds: string[]): Promise<void>;
}

export function createCatalogCache(store: Cache, options: CatalogOptions, log: Logger): CatalogCache {
  async function invalidate(keys: string[]) {
    if (keys.length === 0) return;
    await store.del(keys);
    if (options.invalidateAgainAfterMs > 0) {
      const timer = setTimeout(() => {
        store.del(keys).catch((err: unknown) => log.debug({ err }, 'second catalog cache invalidation failed'));
      }, options.invalidateAgainAfterMs);
      timer.unref();
    }
  }
  return {
    store,
    options,
    async fill(entries) {
      try {
        await store.fill(entries);
      } catch (err) {
        log.warn({ err, keys: entries.slice(0, 5).map((e) => e.key) }, 'catalog cache fill failed');
      }
    },
    invalidate,
    invalidateProducts: (productIds, skuIds) =>
      invalidate([...new Set(productIds)].map(cacheKeys.product).concat([...new Set(skuIds)].map(cacheKeys.sku))),
  };
}
