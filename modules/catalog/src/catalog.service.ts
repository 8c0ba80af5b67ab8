import type {
  AdminProduct,
  AdminProductPage,
  AdminProductsInput,
  AdminSku,
  Brand,
  CatalogSku,
  Category,
  CategoryNode,
  CreateBrandInput,
  CreateCategoryInput,
  CreateProductInput,
  DeletedOutput,
  ProductDetail,
  ProductPage,
  ProductsInput,
  SetPurchaseLimitInput,
  SetSkuPriceInput,
  UpdateBrandInput,
  UpdateCategoryInput,
  UpdateProductInput,
} from '@zjmall/contracts';
import type { Bus, Cache, Config, Db, Logger, Outbox, Stamp } from '@zjmall/platform';
import { loadAdminProduct } from './admin-product.view';
import { createBrandUseCases } from './brands.service';
import { DEFAULT_CATALOG_OPTIONS, cacheKeys, createCatalogCache, type CatalogOptions } from './catalog.cache';
import { select, type CatalogDeps } from './catalog.deps';
import { createCategoryUseCases } from './categories.service';
import type { CatalogInventoryPort } from './inventory-port';
import { catalogModels } from './models';
import { priceHandlers, type PriceChange, type PriceOrigin } from './prices.handler';
import { createProductHandler } from './product-create.handler';
import { purchaseLimitHandler } from './purchase-limit.handler';
import { createProductDetailQuery } from './product-detail.query';
import { createAdminProductListQuery, createProductListQuery } from './product-list.query';
import { productStatusHandlers } from './product-status.handler';
import { updateProductHandler } from './product-update.handler';
import { createSkuViewsQuery, type SkuView } from './sku-views.query';

export interface CatalogServiceDeps {
  /** A Db that has `catalogModels` added (`db.addModels(catalogModels)`). */
  db: Db;
  outbox: Outbox;
  cache: Cache;
  /** `Pick<InventoryService, 'initStock' | 'getPublic'>`. */
  inventory: CatalogInventoryPort;
  log: Logger;
  /** Cache lifetimes (tests shorten them); production passes none. */
  options?: Partial<CatalogOptions>;
  /** Not used: accepted so that `createCatalogService({ ...platform, inventory })` type-checks. */
  bus?: Bus;
  config?: Config;
}

export interface CatalogService {
  // public reads
  categoryTree(): Promise<CategoryNode[]>;
  brands(): Promise<Brand[]>;
  products(input?: ProductsInput): Promise<ProductPage>;
  product(id: string): Promise<ProductDetail>;
  skus(ids: string[]): Promise<CatalogSku[]>;
  /** For cart and order: SKU views through the cache (unknown ids left out), whatever the product's status. */
  /** SKU views from the cache (`fresh`: from the database, refilling the cache). */
  getSkus(ids: string[], opts?: { fresh?: boolean }): Promise<SkuView[]>;
  /** getSkus with a stamp of the cache entries it read (null unless all were in memory). */
  getSkusStamped(ids: string[]): Promise<{ skus: SkuView[]; stamp: Stamp | null }>;
  // admin
  createCategory(input: CreateCategoryInput): Promise<Category>;
  createBrand(input: CreateBrandInput): Promise<Brand>;
  /** Rename, reorder or move (with its subtree); BAD_REQUEST naming parentId for a move under itself. */
  updateCategory(input: UpdateCategoryInput): Promise<Category>;
  /** CATEGORY_NOT_EMPTY while it has subcategories or products. */
  deleteCategory(id: string): Promise<DeletedOutput>;
  updateBrand(input: UpdateBrandInput): Promise<Brand>;
  /** BRAND_IN_USE while a product uses it. */
  deleteBrand(id: string): Promise<DeletedOutput>;
  /** Every product whatever its status, newest first. */
  adminProducts(input?: AdminProductsInput): Promise<AdminProductPage>;
  createProduct(input: CreateProductInput, operator: string): Promise<AdminProduct>;
  updateProduct(input: UpdateProductInput, operator: string): Promise<AdminProduct>;
  adminProduct(id: string): Promise<AdminProduct>;
  setSkuPrice(input: SetSkuPriceInput): Promise<AdminSku>;
  setPurchaseLimit(input: SetPurchaseLimitInput): Promise<AdminSku>;
  /** For pricing's batch jobs too (`source: 'job'`): one transaction, price_changed per product. */
  setPrices(prices: { skuId: string; price: number }[], origin: PriceOrigin): Promise<PriceChange[]>;
  publish(id: string): Promise<AdminProduct>;
  unpublish(id: string): Promise<AdminProduct>;
  /**
   * Drops the cached category tree and brand list (after a bulk import such as the seed), and the
   * cached entries of `productIds` and their SKUs (rows a bulk statement rewrote).
   */
  invalidateCaches(productIds?: string[]): Promise<void>;
}

export function createCatalogService({
  db,
  outbox,
  cache,
  inventory,
  log,
  options,
}: CatalogServiceDeps): CatalogService {
  // The admin use cases write through the model classes, which must be bound to this Db.
  if (catalogModels.some((m) => m.sequelize !== db)) {
    throw new Error('createCatalogService: call db.addModels(catalogModels) on this Db first');
  }
  const deps: CatalogDeps = {
    db,
    outbox,
    inventory,
    log,
    cache: createCatalogCache(cache, { ...DEFAULT_CATALOG_OPTIONS, ...options }, log),
  };
  const categories = createCategoryUseCases(deps);
  const brands = createBrandUseCases(deps);
  const detail = createProductDetailQuery(deps);
  const skuViews = createSkuViewsQuery(deps);
  const prices = priceHandlers(deps);
  const status = productStatusHandlers(deps);

  return {
    categoryTree: categories.tree,
    brands: brands.list,
    products: createProductListQuery(deps),
    product: detail.product,
    skus: skuViews.skus,
    getSkus: skuViews.getSkus,
    getSkusStamped: skuViews.getSkusStamped,
    createCategory: categories.create,
    createBrand: brands.create,
    updateCategory: categories.update,
    deleteCategory: categories.remove,
    updateBrand: brands.update,
    deleteBrand: brands.remove,
    adminProducts: createAdminProductListQuery(deps),
    createProduct: createProductHandler(deps),
    updateProduct: updateProductHandler(deps),
    adminProduct: (id) => loadAdminProduct(db, id),
    setSkuPrice: prices.setSkuPrice,
    setPurchaseLimit: purchaseLimitHandler(deps),
    setPrices: prices.setPrices,
    publish: status.publish,
    unpublish: status.unpublish,
    async invalidateCaches(productIds = []) {
      await deps.cache.invalidate([cacheKeys.categoryTree, cacheKeys.brands]);
      if (productIds.length === 0) return;
      const skus = await select<{ id: string }>(db, `SELECT id FROM catalog.skus WHERE product_id = ANY($1::uuid[])`, [
        productIds,
      ]);
      await deps.cache.invalidateProducts(
        productIds,
        skus.map((s) => s.id),
      );
    },
  };
}
