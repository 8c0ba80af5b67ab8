import type { CartAddItemInput, PublicStock } from '@zjmall/contracts';
import { DomainError, withIdempotency } from '@zjmall/platform';
import { createAddWriter } from './add-write';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps, CartSnapshot } from './types';

/**
 * cart.addItem: the same SKU adds to its line. Checks, in order: the SKU exists and is for sale
 * (here, before anything queues), the line's resulting quantity (CART_MAX_QUANTITY), the number of
 * lines (CART_MAX_LINES), stock (held for customers, checked for guests) — the last three in the
 * one write path (add-write.ts). Without an idempotencyKey the add is coalesced with other carts'
 * adds; with one it is a batch of one in the key's transaction, and a repeat adds nothing and
 * answers the cart as it is now.
 */
const EMPTY: CartSnapshot = { cartId: null, holdsUntil: null, couponCode: null, lines: [] };

export function createAddItem(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { catalog, db } = deps;
  const adds = createAddWriter(deps, store, m);

  return async function addItem(
    owner: CartOwner,
    input: CartAddItemInput,
  ): Promise<{ snapshot: CartSnapshot; replayed: boolean; stock?: PublicStock[] }> {
    const [sku] = await catalog.getSkus([input.skuId]);
    if (!sku) throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: input.skuId });
    if (!sku.availableForSale)
      throw new DomainError('SKU_UNAVAILABLE', 'This item is not for sale', { skuId: input.skuId });
    m.limits.quantity(input.skuId, input.quantity);
    const req = { owner, sku, quantity: input.quantity };

    const key = input.idempotencyKey;
    if (!key) {
      const r = await adds.submit(req);
      return { snapshot: r.snapshot, replayed: false, stock: r.stock };
    }
    const r = await adds.alone(req, (work) =>
      withIdempotency(
        db,
        {
          scope: `${owner.type}:${owner.id}:cart.addItem`,
          key,
          input: { skuId: input.skuId, quantity: input.quantity },
        },
        // The key row keeps no answer: a repeat answers the cart as it is now.
        async (tx) => {
          await work(tx);
          return null;
        },
      ),
    );
    return r ? { snapshot: r.snapshot, replayed: false, stock: r.stock } : { snapshot: EMPTY, replayed: true };
  };
}
