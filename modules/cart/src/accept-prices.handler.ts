import type { CartAcceptPricesInput } from '@zjmall/contracts';
import { itemNotFound, linesById, type Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps, CartSnapshot } from './types';

/**
 * `cart.acceptPrices`: the customer agrees to the prices shown now. The lines given (every line
 * without `itemIds`) take their SKU's current price — the one `cart.get` shows, from catalog's SKU
 * cache — as their agreed price (`addedPrice`), under the cart's row lock like every write. Lines
 * whose price did not move, and lines whose SKU left the catalog, keep theirs. This and a new add of
 * the SKU are the only ways an agreed price changes: reads never do.
 */
export function createAcceptPrices(deps: Pick<CartServiceDeps, 'catalog'>, store: CartStore, m: Mutator) {
  return async function acceptPrices(owner: CartOwner, input: CartAcceptPricesInput): Promise<CartSnapshot> {
    const itemIds = input?.itemIds;
    return m.mutate(
      owner,
      { reason: 'prices', create: false, missing: itemIds ? itemNotFound : 'empty' },
      async (s) => {
        const chosen = itemIds ? linesById(s.lines, itemIds) : s.lines;
        const skus = new Map(
          (await deps.catalog.getSkus([...new Set(chosen.map((l) => l.skuId))])).map((v) => [v.skuId, v.price]),
        );
        const accepted = new Map<string, number>();
        for (const l of chosen) {
          const price = skus.get(l.skuId);
          if (price !== undefined && price !== l.addedPrice) accepted.set(l.id, price);
        }
        await store.setAddedPrices(
          s.tx,
          s.cart,
          [...accepted].map(([itemId, price]) => ({ itemId, price })),
        );
        return {
          lines: s.lines.map((l) => (accepted.has(l.id) ? { ...l, addedPrice: accepted.get(l.id)! } : l)),
        };
      },
    );
  };
}
