import type { CartAddItemInput } from '@zjmall/contracts';
import { DomainError, withIdempotency } from '@zjmall/platform';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps, CartSnapshot, TxRunner } from './types';

/**
 * cart.addItem: the same SKU adds to its line. Checks, in order: the SKU exists and is for sale,
 * the line's resulting quantity (CART_MAX_QUANTITY), the number of lines (CART_MAX_LINES), stock
 * (held for customers, checked for guests). With an idempotencyKey a repeat adds nothing and
 * answers the cart as it is now.
 */
export function createAddItem(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { catalog, db } = deps;

  return async function addItem(owner: CartOwner, input: CartAddItemInput): Promise<{ snapshot: CartSnapshot; replayed: boolean }> {
    const [sku] = await catalog.getSkus([input.skuId]);
    if (!sku) throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: input.skuId });
    if (!sku.availableForSale) throw new DomainError('SKU_UNAVAILABLE', 'This item is not for sale', { skuId: input.skuId });
    m.limits.quantity(input.skuId, input.quantity);

    let ran = false;
    const key = input.idempotencyKey;
    const run: TxRunner | undefined = key
      ? (fn) =>
          withIdempotency(db, { scope: `${owner.type}:${owner.id}:cart.addItem`, key, input: { skuId: input.skuId, quantity: input.quantity } }, (tx) => {
            ran = true;
            return fn(tx);
          })
      : undefined;

    const snapshot = await m.mutate(owner, { reason: 'add', create: true, missing: 'empty', run }, async (s) => {
      const existing = s.lines.find((l) => l.skuId === input.skuId);
      const quantity = (existing?.quantity ?? 0) + input.quantity;
      m.limits.quantity(input.skuId, quantity);
      if (!existing) m.limits.lines(s.lines.length + 1);
      await m.secure(s, [{ skuId: input.skuId, quantity, previous: existing?.quantity ?? 0 }]);
      if (existing) {
        await store.setQuantity(s.tx, existing.id, quantity);
        return { lines: s.lines.map((l) => (l === existing ? { ...l, quantity } : l)) };
      }
      const line = await store.insertLine(s.tx, s.cartId, { skuId: input.skuId, quantity, addedPrice: sku.price });
      return { lines: [line, ...s.lines] };
    });
    return { snapshot, replayed: key !== undefined && !ran };
  };
}
