import type { AdminSku, SetPurchaseLimitInput } from '@zjmall/contracts';
import { DomainError } from '@zjmall/platform';
import { select, type CatalogDeps } from './catalog.deps';
import { PROMOTION_JSON } from './promotion-view';
import { PURCHASE_LIMIT_JSON } from './purchase-limit';

/**
 * catalog.admin.setPurchaseLimit: the SKU's limit and window (`limit: null` removes both). The
 * SKU's and its product's cache entries are dropped before it answers, so the next add or checkout
 * is held to the new limit.
 */
export function purchaseLimitHandler({ db, cache }: CatalogDeps) {
  return async function setPurchaseLimit(input: SetPurchaseLimitInput): Promise<AdminSku> {
    const [sku] = await select<AdminSku>(
      db,
      `UPDATE catalog.skus s SET purchase_limit = $2, limit_starts_at = $3, limit_ends_at = $4, updated_at = now()
        WHERE id = $1
        RETURNING id, product_id AS "productId", code, spec, price, cost_price AS "costPrice", status,
                  ${PROMOTION_JSON} AS promotion, ${PURCHASE_LIMIT_JSON} AS "purchaseLimit"`,
      [
        input.skuId,
        input.limit,
        input.limit === null ? null : (input.startsAt ?? null),
        input.limit === null ? null : (input.endsAt ?? null),
      ],
    );
    if (!sku) throw new DomainError('SKU_NOT_FOUND', `SKU ${input.skuId} not found`, { skuId: input.skuId });
    await cache.invalidateProducts([sku.productId], [sku.id]);
    return sku;
  };
}
