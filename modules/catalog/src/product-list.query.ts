import type {
  AdminProductPage,
  AdminProductsInput,
  ProductListItem,
  ProductPage,
  ProductsInput,
  ProductStatus,
} from '@zjmall/contracts';
import { iso, select, type CatalogDeps } from './catalog.deps';
import { CURRENT_PRICE } from './promotion-view';

export const DEFAULT_PAGE_SIZE = 20;

/** The cursor is the last item's id (UUIDv7, newest first) as 22 base64url characters. */
export function encodeCursor(id: string): string {
  return Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const hex = Buffer.from(cursor, 'base64url').toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `q` as an ILIKE pattern matching any part of a name; the user's % and _ are literal. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface ListRow {
  id: string;
  name: string;
  image: string | null;
  category_id: string;
  brand_id: string | null;
  price_min: number | null;
  price_max: number | null;
  published_at: Date | null;
}

export function createProductListQuery({ db }: CatalogDeps) {
  /** Published products, newest first, filtered by category (with its descendants), brand and name. */
  return async function products(input: ProductsInput = {}): Promise<ProductPage> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const where = [`p.status = 'published'`];
    const bind: unknown[] = [];
    const param = (v: unknown) => {
      bind.push(v);
      return `$${bind.length}`;
    };
    if (input.categoryId) {
      where.push(
        `p.category_id IN (SELECT c.id FROM catalog.categories c WHERE c.path @> ARRAY[${param(input.categoryId)}::uuid])`,
      );
    }
    if (input.brandId) where.push(`p.brand_id = ${param(input.brandId)}::uuid`);
    // pg_trgm's GIN index serves ILIKE for patterns of 3+ characters; shorter ones still match, unindexed.
    if (input.q) where.push(`p.name ILIKE ${param(containsPattern(input.q))}`);
    if (input.cursor) where.push(`p.id < ${param(decodeCursor(input.cursor))}::uuid`);
    const rows = await select<ListRow>(
      db,
      `SELECT p.id, p.name, p.images->>0 AS image, p.category_id, p.brand_id, p.published_at, pr.price_min, pr.price_max
         FROM catalog.products p
         LEFT JOIN LATERAL (
           SELECT min(${CURRENT_PRICE}) AS price_min, max(${CURRENT_PRICE}) AS price_max
             FROM catalog.skus s WHERE s.product_id = p.id AND s.status = 'active'
         ) pr ON true
        WHERE ${where.join(' AND ')}
        ORDER BY p.id DESC
        LIMIT ${param(limit + 1)}`,
      bind,
    );
    const page = rows.slice(0, limit);
    const items: ProductListItem[] = page.map((r) => ({
      id: r.id,
      name: r.name,
      image: r.image,
      categoryId: r.category_id,
      brandId: r.brand_id,
      priceMin: r.price_min,
      priceMax: r.price_max,
      publishedAt: iso(r.published_at),
    }));
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].id) : null;
    return { items, nextCursor };
  };
}

interface AdminListRow extends ListRow {
  status: ProductStatus;
  sku_count: number;
  updated_at: Date;
}

export function createAdminProductListQuery({ db }: CatalogDeps) {
  /** Every product (drafts and unpublished ones too), newest first, filtered by status, category (with its descendants) and name. */
  return async function adminProducts(input: AdminProductsInput = {}): Promise<AdminProductPage> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const where = ['true'];
    const bind: unknown[] = [];
    const param = (v: unknown) => {
      bind.push(v);
      return `$${bind.length}`;
    };
    if (input.status) where.push(`p.status = ${param(input.status)}`);
    if (input.categoryId) {
      where.push(
        `p.category_id IN (SELECT c.id FROM catalog.categories c WHERE c.path @> ARRAY[${param(input.categoryId)}::uuid])`,
      );
    }
    if (input.q) where.push(`p.name ILIKE ${param(containsPattern(input.q))}`);
    if (input.cursor) where.push(`p.id < ${param(decodeCursor(input.cursor))}::uuid`);
    const rows = await select<AdminListRow>(
      db,
      `SELECT p.id, p.name, p.images->>0 AS image, p.status, p.category_id, p.brand_id, p.published_at, p.updated_at,
              pr.price_min, pr.price_max, pr.sku_count
         FROM catalog.products p
         LEFT JOIN LATERAL (
           SELECT min(${CURRENT_PRICE}) FILTER (WHERE s.status = 'active') AS price_min,
                  max(${CURRENT_PRICE}) FILTER (WHERE s.status = 'active') AS price_max,
                  count(*)::int AS sku_count
             FROM catalog.skus s WHERE s.product_id = p.id
         ) pr ON true
        WHERE ${where.join(' AND ')}
        ORDER BY p.id DESC
        LIMIT ${param(limit + 1)}`,
      bind,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        name: r.name,
        image: r.image,
        status: r.status,
        categoryId: r.category_id,
        brandId: r.brand_id,
        priceMin: r.price_min,
        priceMax: r.price_max,
        skuCount: r.sku_count,
        updatedAt: r.updated_at.toISOString(),
        publishedAt: iso(r.published_at),
      })),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  };
}
