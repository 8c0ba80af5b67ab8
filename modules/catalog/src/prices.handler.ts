import { EVENTS, type AdminSku, type PriceChangedV1, type SetSkuPriceInput } from '@zjmall/contracts';
import { DomainError } from '@zjmall/platform';
import { select, type CatalogDeps } from './catalog.deps';
import { currentPrice, priceChangedAtFor, PROMOTION_JSON } from './promotion-view';
import { PURCHASE_LIMIT_JSON } from './purchase-limit';

export interface PriceOrigin {
  source: PriceChangedV1['source'];
  jobId?: string;
}

export interface PriceChange {
  skuId: string;
  productId: string;
  oldPrice: number;
  newPrice: number;
}

/**
 * Sets many SKUs' prices in one transaction: rows locked in id order (no deadlock between two
 * batches), only real changes written, one price_changed event per product in the same
 * transaction, caches dropped before it resolves. Unknown SKU ids: SKU_NOT_FOUND, nothing changes.
 */
export function priceHandlers(deps: CatalogDeps) {
  const { db, outbox, cache } = deps;

  async function setPrices(prices: { skuId: string; price: number }[], origin: PriceOrigin): Promise<PriceChange[]> {
    const wanted = new Map(prices.map((p) => [p.skuId, p.price])); // a repeated id: the last price wins
    if (wanted.size === 0) return [];
    for (const price of wanted.values()) {
      if (!Number.isSafeInteger(price) || price < 0) throw new RangeError(`invalid price ${price}`);
    }
    const changes = await db.transaction(async (transaction) => {
      const current = await select<{ id: string; product_id: string; price: number; promo_price: number | null }>(
        db,
        `SELECT id, product_id, price, promo_price FROM catalog.skus WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [[...wanted.keys()]],
        transaction,
      );
      if (current.length !== wanted.size) {
        const found = new Set(current.map((c) => c.id));
        const missing = [...wanted.keys()].filter((id) => !found.has(id));
        throw new DomainError('SKU_NOT_FOUND', `SKU ${missing[0]} not found`, { skuIds: missing });
      }
      const changed: PriceChange[] = current
        .filter((c) => c.price !== wanted.get(c.id))
        .map((c) => ({ skuId: c.id, productId: c.product_id, oldPrice: c.price, newPrice: wanted.get(c.id)! }));
      const promo = new Map(current.map((c) => [c.id, c.promo_price]));
      if (changed.length === 0) return changed;
      await db.query(
        `UPDATE catalog.skus s SET price = u.price, updated_at = now(), price_changed_at = ${priceChangedAtFor('u.price')}
           FROM unnest($1::uuid[], $2::bigint[]) AS u(id, price) WHERE s.id = u.id`,
        { bind: [changed.map((c) => c.skuId), changed.map((c) => c.newPrice)], transaction },
      );
      // price_changed tells of the current price: under a promotion the base moved, and the customer's
      // price moves only where the base goes below (or comes back from below) the promotional price;
      // the promotion's end publishes the new base (see the README, "Promotions").
      const byProduct = new Map<string, PriceChange[]>();
      for (const c of changed) {
        const p = promo.get(c.skuId) ?? null;
        const shown = { ...c, oldPrice: currentPrice(p, c.oldPrice), newPrice: currentPrice(p, c.newPrice) };
        if (shown.oldPrice !== shown.newPrice)
          byProduct.set(c.productId, [...(byProduct.get(c.productId) ?? []), shown]);
      }
      await outbox.add(
        transaction,
        [...byProduct].map(([productId, list]) => {
          const data: PriceChangedV1 = {
            changes: list.map((c) => ({ skuId: c.skuId, oldPrice: c.oldPrice, newPrice: c.newPrice })),
            source: origin.source,
            ...(origin.jobId !== undefined ? { jobId: origin.jobId } : {}),
          };
          return { type: EVENTS.catalog.priceChanged, aggregateId: productId, data, version: 1 };
        }),
      );
      return changed;
    });
    await cache.invalidateProducts(
      changes.map((c) => c.productId),
      changes.map((c) => c.skuId),
    );
    return changes;
  }

  /**
   * catalog.admin.setSkuPrice: the SKU after the change (no event when the price is the same). It
   * sets the base price; during a promotion the customer keeps paying the promotional price unless
   * the new base is lower.
   */
  async function setSkuPrice(input: SetSkuPriceInput): Promise<AdminSku> {
    await setPrices([{ skuId: input.skuId, price: input.price }], { source: 'admin' });
    const [sku] = await select<AdminSku>(
      db,
      `SELECT id, product_id AS "productId", code, spec, price, cost_price AS "costPrice", status, ${PROMOTION_JSON} AS promotion,
              ${PURCHASE_LIMIT_JSON} AS "purchaseLimit"
         FROM catalog.skus s WHERE id = $1`,
      [input.skuId],
    );
    if (!sku) throw new DomainError('SKU_NOT_FOUND', `SKU ${input.skuId} not found`);
    return sku;
  }

  return { setPrices, setSkuPrice };
}
