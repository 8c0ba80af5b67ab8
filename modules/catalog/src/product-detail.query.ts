import type { Brand, ProductDetail, ProductStatus, PurchaseLimit, SkuPromotion, SkuStatus } from '@zjmall/contracts';
import { DomainError } from '@zjmall/platform';
import { cacheKeys } from './catalog.cache';
import { iso, select, type CatalogDeps } from './catalog.deps';
import { stockOf } from './inventory-port';
import { CURRENT_PRICE, PROMOTION_JSON, ttlUpTo } from './promotion-view';
import { PURCHASE_LIMIT_JSON } from './purchase-limit';

/** A product as cached: everything but stock, which inventory answers (and caches) at read time. */
export interface ProductRecord {
  id: string;
  name: string;
  description: string | null;
  images: string[];
  attributes: Record<string, string>;
  categoryId: string;
  categoryPath: { id: string; name: string }[];
  brandId: string | null;
  brand: Brand | null;
  status: ProductStatus;
  publishedAt: string | null;
  /** `price` is the current price (the promotion's, while one shows), `basePrice` the regular one. */
  skus: {
    id: string;
    code: string;
    spec: Record<string, string>;
    price: number;
    basePrice: number;
    promotion: SkuPromotion | null;
    purchaseLimit: PurchaseLimit | null;
    status: SkuStatus;
  }[];
}

interface RecordRow {
  id: string;
  name: string;
  description: string | null;
  images: string[];
  attributes: Record<string, string>;
  category_id: string;
  category_path: { id: string; name: string }[];
  brand: Brand | null;
  status: ProductStatus;
  published_at: Date | null;
  skus: ProductRecord['skus'];
  /** Seconds until the first of its SKUs' promotions ends (null: none shows). */
  promo_left: number | null;
}

/** One query: the product, its brand, its category's breadcrumbs and its SKUs (and how long their promotions last). */
async function loadRecord(
  deps: CatalogDeps,
  id: string,
): Promise<{ record: ProductRecord; promoLeft: number | null } | null> {
  const [row] = await select<RecordRow>(
    deps.db,
    `SELECT p.id, p.name, p.description, p.images, p.attributes, p.category_id, p.status, p.published_at,
            CASE WHEN b.id IS NULL THEN NULL ELSE json_build_object('id', b.id, 'name', b.name, 'logo', b.logo) END AS brand,
            (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.depth), '[]')
               FROM catalog.categories c WHERE c.id = ANY(cat.path)) AS category_path,
            (SELECT coalesce(json_agg(json_build_object('id', s.id, 'code', s.code, 'spec', s.spec, 'price', ${CURRENT_PRICE},
                                                        'basePrice', s.price, 'promotion', ${PROMOTION_JSON}, 'status', s.status,
                                                        'purchaseLimit', ${PURCHASE_LIMIT_JSON})
                                      ORDER BY s.id), '[]')
               FROM catalog.skus s WHERE s.product_id = p.id) AS skus,
            (SELECT extract(epoch FROM min(s.promo_ends_at) - now())::float8
               FROM catalog.skus s WHERE s.product_id = p.id AND s.promo_ends_at > now()) AS promo_left
       FROM catalog.products p
       JOIN catalog.categories cat ON cat.id = p.category_id
       LEFT JOIN catalog.brands b ON b.id = p.brand_id
      WHERE p.id = $1`,
    [id],
  );
  if (!row) return null;
  const record: ProductRecord = {
    id: row.id,
    name: row.name,
    description: row.description,
    images: row.images,
    attributes: row.attributes,
    categoryId: row.category_id,
    categoryPath: row.category_path,
    brandId: row.brand?.id ?? null,
    brand: row.brand,
    status: row.status,
    publishedAt: iso(row.published_at),
    skus: row.skus,
  };
  return { record, promoLeft: row.promo_left };
}

/** Spec keys in first-seen order, each with its values in first-seen order. */
export function specOptions(specs: Record<string, string>[]): ProductDetail['specOptions'] {
  const options = new Map<string, Set<string>>();
  for (const spec of specs) {
    for (const [name, value] of Object.entries(spec)) {
      let values = options.get(name);
      if (!values) options.set(name, (values = new Set()));
      values.add(value);
    }
  }
  return [...options].map(([name, values]) => ({ name, values: [...values] }));
}

export function createProductDetailQuery(deps: CatalogDeps) {
  const { cache } = deps;

  /** The product as cached (null: no such product); a miss costs one query, a missing id is remembered briefly. */
  async function record(id: string): Promise<ProductRecord | null> {
    const key = cacheKeys.product(id);
    const hit = await cache.store.get<ProductRecord | null>(key);
    if (hit !== undefined) return hit;
    const loaded = await loadRecord(deps, id);
    const ttlSeconds = loaded
      ? ttlUpTo(cache.options.entryTtlSeconds, loaded.promoLeft)
      : cache.options.missingTtlSeconds;
    await cache.fill([{ key, value: loaded?.record ?? null, ttlSeconds }]);
    return loaded?.record ?? null;
  }

  /** catalog.product: a published product with its active SKUs and their stock (one batched look-up). */
  async function product(id: string): Promise<ProductDetail> {
    const rec = await record(id);
    if (!rec || rec.status !== 'published') throw new DomainError('PRODUCT_NOT_FOUND', `Product ${id} not found`);
    const active = rec.skus.filter((s) => s.status === 'active');
    const stock = await stockOf(
      deps.inventory,
      active.map((s) => s.id),
    );
    const prices = active.map((s) => s.price);
    return {
      id: rec.id,
      name: rec.name,
      description: rec.description,
      images: rec.images,
      attributes: rec.attributes,
      categoryId: rec.categoryId,
      categoryPath: rec.categoryPath,
      brandId: rec.brandId,
      brand: rec.brand,
      publishedAt: rec.publishedAt,
      priceMin: prices.length ? Math.min(...prices) : null,
      priceMax: prices.length ? Math.max(...prices) : null,
      specOptions: specOptions(active.map((s) => s.spec)),
      skus: active.map((s) => ({
        id: s.id,
        code: s.code,
        spec: s.spec,
        price: s.price,
        basePrice: s.basePrice,
        promotion: s.promotion,
        purchaseLimit: s.purchaseLimit,
        ...stock(s.id),
      })),
    };
  }

  return { record, product };
}
