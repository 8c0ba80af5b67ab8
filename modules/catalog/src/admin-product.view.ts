import type { Transaction } from 'sequelize';
import type { AdminProduct, AdminSku, ProductStatus } from '@zjmall/contracts';
import { DomainError, type Db } from '@zjmall/platform';
import { iso, select } from './catalog.deps';
import { PROMOTION_JSON } from './promotion-view';
import { PURCHASE_LIMIT_JSON } from './purchase-limit';

interface AdminRow {
  id: string;
  name: string;
  description: string | null;
  images: string[];
  attributes: Record<string, string>;
  category_id: string;
  brand_id: string | null;
  status: ProductStatus;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
  skus: AdminSku[];
}

/** A product as admins see it, whatever its status, with every SKU (one query). */
export async function loadAdminProduct(db: Db, id: string, transaction?: Transaction): Promise<AdminProduct> {
  const [row] = await select<AdminRow>(
    db,
    `SELECT p.id, p.name, p.description, p.images, p.attributes, p.category_id, p.brand_id, p.status, p.published_at,
            p.created_at, p.updated_at,
            (SELECT coalesce(json_agg(json_build_object('id', s.id, 'productId', s.product_id, 'code', s.code, 'spec', s.spec,
                                                        'price', s.price, 'costPrice', s.cost_price, 'status', s.status,
                                                        'promotion', ${PROMOTION_JSON}, 'purchaseLimit', ${PURCHASE_LIMIT_JSON})
                                      ORDER BY s.id), '[]')
               FROM catalog.skus s WHERE s.product_id = p.id) AS skus
       FROM catalog.products p WHERE p.id = $1`,
    [id],
    transaction,
  );
  if (!row) throw new DomainError('PRODUCT_NOT_FOUND', `Product ${id} not found`);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    images: row.images,
    attributes: row.attributes,
    categoryId: row.category_id,
    brandId: row.brand_id,
    status: row.status,
    publishedAt: iso(row.published_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    skus: row.skus,
  };
}

/** Refuses a category or brand that does not exist (the foreign keys would, less clearly). */
export async function assertReferences(
  db: Db,
  refs: { categoryId?: string; brandId?: string | null },
  transaction: Transaction,
): Promise<void> {
  const [row] = await select<{ category: boolean; brand: boolean }>(
    db,
    `SELECT ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM catalog.categories WHERE id = $1::uuid)) AS category,
            ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM catalog.brands WHERE id = $2::uuid)) AS brand`,
    [refs.categoryId ?? null, refs.brandId ?? null],
    transaction,
  );
  if (!row.category) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${refs.categoryId} not found`);
  if (!row.brand) throw new DomainError('BRAND_NOT_FOUND', `Brand ${refs.brandId} not found`);
}
