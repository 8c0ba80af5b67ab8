import type { Transaction } from 'sequelize';
import type { Db, Logger } from '@zjmall/platform';
import { select } from '../catalog.deps';
import type { CatalogService } from '../catalog.service';
import type { CatalogInventoryPort } from '../inventory-port';
import {
  DEMO_MEDIA_PREFIX,
  flattenTree,
  generateProduct,
  seedId,
  type SeedCategory,
  type SeedProduct,
} from './generate';
import { BRANDS } from './seed-data';

export const DEFAULT_SEED_PRODUCTS = 2_500;
export const SEED_BATCH_PRODUCTS = 250;
/** Seeded SKUs at or below this many units count as low stock. */
export const SEED_LOW_STOCK_THRESHOLD = 10;

export interface SeedProgress {
  phase: 'categories' | 'brands' | 'products' | 'users' | 'done';
  done: number;
  total: number;
}

export interface SeedCatalogOptions {
  db: Db;
  catalog: Pick<CatalogService, 'invalidateCaches'>;
  inventory: Pick<CatalogInventoryPort, 'initStock'>;
  log: Logger;
  /** How many demo products (default 2,500: about 11,400 SKUs). A later run with more adds the rest. */
  products?: number;
  /** Creates the demo admin and customer (modules/api wires identity here; catalog may not import it). */
  ensureUsers?: () => Promise<unknown>;
  onProgress?: (p: SeedProgress) => void;
}

export interface SeedReport {
  categories: { total: number; created: number };
  brands: { total: number; created: number };
  products: { total: number; created: number };
  skus: { total: number; created: number };
  /** Demo products of older seeds whose images pointed at picsum.photos, now at /media/demo/. */
  images: { rewritten: number };
  ms: number;
}

const OPERATOR = 'seed';

/**
 * Fills a demo catalog: a category tree, brands, published products and SKUs with stock.
 * Idempotent: categories and brands are matched by name, products and SKUs have deterministic
 * ids and codes and are inserted with ON CONFLICT DO NOTHING, and stock is created only for SKUs
 * this run inserted (in the same transaction). A second run adds nothing; an interrupted run is
 * completed by the next one. Batches of SEED_BATCH_PRODUCTS products, one transaction each.
 */
export async function seedCatalog(opts: SeedCatalogOptions): Promise<SeedReport> {
  const { db, catalog, inventory, log, onProgress = () => {} } = opts;
  const started = performance.now();
  const total = opts.products ?? DEFAULT_SEED_PRODUCTS;
  const { categories, leaves } = flattenTree();

  onProgress({ phase: 'categories', done: 0, total: categories.length });
  const cat = await ensureCategories(db, categories);
  onProgress({ phase: 'categories', done: categories.length, total: categories.length });

  onProgress({ phase: 'brands', done: 0, total: BRANDS.length });
  const brand = await ensureBrands(db);
  onProgress({ phase: 'brands', done: BRANDS.length, total: BRANDS.length });

  const report: SeedReport = {
    categories: { total: categories.length, created: cat.created },
    brands: { total: BRANDS.length, created: brand.created },
    products: { total, created: 0 },
    skus: { total: 0, created: 0 },
    images: { rewritten: 0 },
    ms: 0,
  };
  onProgress({ phase: 'products', done: 0, total });
  for (let from = 0; from < total; from += SEED_BATCH_PRODUCTS) {
    const batch: SeedProduct[] = [];
    for (let n = from; n < Math.min(total, from + SEED_BATCH_PRODUCTS); n++) batch.push(generateProduct(n, leaves));
    const created = await db.transaction((tx) => insertBatch(db, inventory, tx, batch, cat.ids, brand.ids));
    report.products.created += created.products;
    report.skus.created += created.skus;
    report.skus.total += batch.reduce((s, p) => s + p.skus.length, 0);
    onProgress({ phase: 'products', done: from + batch.length, total });
  }
  const rewritten = await rewriteOldDemoImages(db);
  report.images.rewritten = rewritten.length;
  // Fresh planner statistics, so the first searches use the indexes the data deserves.
  if (report.products.created > 0)
    await db.query('ANALYZE catalog.categories, catalog.brands, catalog.products, catalog.skus');
  await catalog.invalidateCaches(rewritten);

  if (opts.ensureUsers) {
    onProgress({ phase: 'users', done: 0, total: 1 });
    await opts.ensureUsers();
    onProgress({ phase: 'users', done: 1, total: 1 });
  }
  report.ms = Math.round(performance.now() - started);
  onProgress({ phase: 'done', done: total, total });
  log.info({ report }, 'catalog seeded');
  return report;
}

/**
 * Older seeds stored picsum.photos URLs (`…/seed/zjmall-<n>/800/800`, `…/seed/zjmall-<n>-b/800/800`),
 * which need the internet: those are replaced by the generated images served at /media/demo/
 * (same product, same order). Other images of those rows, and every other row, are left alone.
 */
async function rewriteOldDemoImages(db: Db): Promise<string[]> {
  const rows = await select<{ id: string }>(
    db,
    `UPDATE catalog.products p
        SET images = (SELECT jsonb_agg(
                        regexp_replace(regexp_replace(e.v,
                          '^https://picsum\\.photos/seed/zjmall-([0-9]+)-b/800/800$', '${DEMO_MEDIA_PREFIX}product-\\1-2.svg'),
                          '^https://picsum\\.photos/seed/zjmall-([0-9]+)/800/800$', '${DEMO_MEDIA_PREFIX}product-\\1-1.svg')
                        ORDER BY e.i)
                        FROM jsonb_array_elements_text(p.images) WITH ORDINALITY AS e(v, i)),
            updated_at = now()
      WHERE p.images::text LIKE '%https://picsum.photos/seed/zjmall-%'
      RETURNING p.id`,
    [],
  );
  return rows.map((r) => r.id);
}

/** Parents first, one statement per level; an existing category of the same name and parent is reused. */
async function ensureCategories(db: Db, categories: SeedCategory[]) {
  const ids = new Map<string, string>();
  let created = 0;
  const depths = Math.max(...categories.map((c) => c.depth));
  for (let depth = 0; depth <= depths; depth++) {
    const level = categories
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.depth === depth)
      .map(({ c, i }) => ({
        key: c.key,
        id: seedId('category', i, Date.UTC(2024, 11, 1) + i),
        parent_id: c.parentKey ? ids.get(c.parentKey)! : null,
        name: c.name,
        sort: c.sort,
      }));
    // DO UPDATE (of nothing) so that RETURNING answers existing rows too; xmax = 0 marks a fresh insert.
    const rows = await select<{ id: string; parent_id: string | null; name: string; inserted: boolean }>(
      db,
      `INSERT INTO catalog.categories AS t (id, parent_id, name, sort, path, depth)
       SELECT x.id, x.parent_id, x.name, x.sort, coalesce(p.path, '{}') || x.id, coalesce(p.depth + 1, 0)
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, parent_id uuid, name text, sort int)
         LEFT JOIN catalog.categories p ON p.id = x.parent_id
       ON CONFLICT (parent_id, name) DO UPDATE SET sort = t.sort
       RETURNING t.id, t.parent_id, t.name, (xmax = 0) AS inserted`,
      [JSON.stringify(level)],
    );
    const byName = new Map(rows.map((r) => [`${r.parent_id ?? ''}|${r.name}`, r]));
    for (const l of level) {
      const row = byName.get(`${l.parent_id ?? ''}|${l.name}`);
      if (!row) throw new Error(`seed: category ${l.key} was neither inserted nor found`);
      ids.set(l.key, row.id);
      if (row.inserted) created++;
    }
  }
  return { ids, created };
}

/** Brands by name (case-insensitive), an existing one reused. */
async function ensureBrands(db: Db) {
  const rows = await select<{ id: string; name: string; inserted: boolean }>(
    db,
    `INSERT INTO catalog.brands AS t (id, name)
     SELECT x.id, x.name FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text)
     ON CONFLICT ((lower(name))) DO UPDATE SET name = t.name
     RETURNING t.id, t.name, (xmax = 0) AS inserted`,
    [JSON.stringify(BRANDS.map((b, i) => ({ id: seedId('brand', i, Date.UTC(2024, 11, 1) + i), name: b.name })))],
  );
  const ids = new Map(rows.map((r) => [r.name.toLowerCase(), r.id]));
  return {
    ids: new Map(BRANDS.map((b) => [b.name, ids.get(b.name.toLowerCase())!])),
    created: rows.filter((r) => r.inserted).length,
  };
}

async function insertBatch(
  db: Db,
  inventory: Pick<CatalogInventoryPort, 'initStock'>,
  tx: Transaction,
  batch: SeedProduct[],
  categoryIds: Map<string, string>,
  brandIds: Map<string, string>,
): Promise<{ products: number; skus: number }> {
  // json_to_recordset (not jsonb_): spec and attributes keep their keys' order.
  const inserted = await select<{ id: string }>(
    db,
    `INSERT INTO catalog.products (id, name, description, images, attributes, category_id, brand_id, status, published_at)
     SELECT x.id, x.name, x.description, x.images, x.attributes, x.category_id, x.brand_id, 'published', now()
       FROM json_to_recordset($1::json)
            AS x(id uuid, name text, description text, images jsonb, attributes json, category_id uuid, brand_id uuid)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      JSON.stringify(
        batch.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          images: p.images,
          attributes: p.attributes,
          category_id: categoryIds.get(p.categoryKey),
          brand_id: brandIds.get(p.brand),
        })),
      ),
    ],
    tx,
  );
  if (inserted.length === 0) return { products: 0, skus: 0 };
  const fresh = new Set(inserted.map((r) => r.id));
  const skus = batch.filter((p) => fresh.has(p.id)).flatMap((p) => p.skus.map((s) => ({ ...s, product_id: p.id })));
  // A code taken by an admin's own SKU is skipped (that SKU keeps its code and its stock).
  const created = await select<{ id: string }>(
    db,
    `INSERT INTO catalog.skus (id, product_id, code, spec, price, cost_price)
     SELECT x.id, x.product_id, x.code, x.spec, x.price, x.cost_price
       FROM json_to_recordset($1::json) AS x(id uuid, product_id uuid, code text, spec json, price bigint, cost_price bigint)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      JSON.stringify(
        skus.map((s) => ({
          id: s.id,
          product_id: s.product_id,
          code: s.code,
          spec: s.spec,
          price: s.price,
          cost_price: s.costPrice,
        })),
      ),
    ],
    tx,
  );
  const createdIds = new Set(created.map((r) => r.id));
  const stock = skus
    .filter((s) => createdIds.has(s.id))
    .map((s) => ({ skuId: s.id, onHand: s.onHand, lowStockThreshold: SEED_LOW_STOCK_THRESHOLD }));
  if (stock.length)
    await inventory.initStock(tx, stock, { operator: OPERATOR, reason: 'demo catalog seed', refType: 'IMPORT' });
  return { products: inserted.length, skus: created.length };
}
