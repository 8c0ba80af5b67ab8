import { EVENTS, type AdminProduct, type ProductPublishedV1, type ProductUnpublishedV1 } from '@zjmall/contracts';
import { loadAdminProduct } from './admin-product.view';
import { select, type CatalogDeps } from './catalog.deps';

interface Changed {
  id: string;
  name: string;
  category_id: string;
  brand_id: string | null;
  published_at: Date | null;
  sku_ids: string[];
}

/**
 * catalog.admin.publish / unpublish. The conditional UPDATE makes a repeat (or a concurrent
 * twin) a no-op that emits nothing; the caches are dropped before the answer, so the public
 * sees the change at once.
 */
export function productStatusHandlers(deps: CatalogDeps) {
  const { db, outbox, cache } = deps;

  async function setStatus(id: string, to: 'published' | 'unpublished'): Promise<AdminProduct> {
    const { product, changed } = await db.transaction(async (transaction) => {
      const [row] = await select<Changed>(
        db,
        `UPDATE catalog.products p
            SET status = $2, updated_at = now(),
                published_at = CASE WHEN $2 = 'published' THEN now() ELSE p.published_at END
          WHERE p.id = $1 AND ${to === 'published' ? `p.status <> 'published'` : `p.status = 'published'`}
        RETURNING p.id, p.name, p.category_id, p.brand_id, p.published_at,
                  ARRAY(SELECT s.id FROM catalog.skus s WHERE s.product_id = p.id ORDER BY s.id) AS sku_ids`,
        [id, to],
        transaction,
      );
      if (row && to === 'published') {
        const data: ProductPublishedV1 = {
          productId: row.id,
          name: row.name,
          categoryId: row.category_id,
          brandId: row.brand_id,
          skuIds: row.sku_ids,
          publishedAt: row.published_at!.toISOString(),
        };
        await outbox.add(transaction, { type: EVENTS.catalog.productPublished, aggregateId: row.id, data, version: 1 });
      } else if (row) {
        const data: ProductUnpublishedV1 = { productId: row.id, skuIds: row.sku_ids };
        await outbox.add(transaction, {
          type: EVENTS.catalog.productUnpublished,
          aggregateId: row.id,
          data,
          version: 1,
        });
      }
      // Throws PRODUCT_NOT_FOUND when there is no such product at all.
      return { product: await loadAdminProduct(db, id, transaction), changed: Boolean(row) };
    });
    if (changed)
      await cache.invalidateProducts(
        [product.id],
        product.skus.map((s) => s.id),
      );
    return product;
  }

  return {
    publish: (id: string) => setStatus(id, 'published'),
    unpublish: (id: string) => setStatus(id, 'unpublished'),
  };
}
