import type { CartAddItemInput, PublicStock } from '@zjmall/contracts';
import type { SkuView } from '@zjmall/catalog';
import { DomainError, withIdempotency } from '@zjmall/platform';
import { createAddBatcher } from './add-batch';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps, CartSnapshot, TxRunner } from './types';

/**
 * cart.addItem: the same SKU adds to its line. Checks, in order: the SKU exists and is for sale,
 * the line's resulting quantity (CART_MAX_QUANTITY), the number of lines (CART_MAX_LINES), stock
 * (held for customers, checked for guests). With an idempotencyKey a repeat adds nothing and
 * answers the cart as it is now (its own transaction, with the key's row); without one, the add is
 * coalesced with other carts' adds (add-batch.ts) and answers with the stock its batch left.
 */
export function createAddItem(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { catalog, db } = deps;

  /** One add in its own transaction (with an idempotency key; or retried alone after a failed batch). */
  async function single(owner: CartOwner, sku: SkuView, quantity: number, run?: TxRunner): Promise<CartSnapshot> {
    return m.mutate(owner, { reason: 'add', create: true, missing: 'empty', run }, async (s) => {
      const existing = s.lines.find((l) => l.skuId === sku.skuId);
      const total = (existing?.quantity ?? 0) + quantity;
      m.limits.quantity(sku.skuId, total);
      if (!existing) m.limits.lines(s.lines.length + 1);
      await m.secure(s, [{ skuId: sku.skuId, quantity: total, previous: existing?.quantity ?? 0 }]);
      if (existing) {
        await store.setQuantity(s.tx, existing.id, total);
        return { lines: s.lines.map((l) => (l === existing ? { ...l, quantity: total } : l)) };
      }
      const line = await store.insertLine(s.tx, s.cartId, { skuId: sku.skuId, quantity: total, addedPrice: sku.price });
      return { lines: [line, ...s.lines] };
    });
  }

  const batcher = createAddBatcher(deps, store, m, (req) => single(req.owner, req.sku, req.quantity));

  return async function addItem(
    owner: CartOwner,
    input: CartAddItemInput,
  ): Promise<{ snapshot: CartSnapshot; replayed: boolean; stock?: PublicStock[] }> {
    const [sku] = await catalog.getSkus([input.skuId]);
    if (!sku) throw new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId: input.skuId });
    if (!sku.availableForSale)
      throw new DomainError('SKU_UNAVAILABLE', 'This item is not for sale', { skuId: input.skuId });
    m.limits.quantity(input.skuId, input.quantity);

    const key = input.idempotencyKey;
    if (!key) {
      const r = await batcher.add({ owner, sku, quantity: input.quantity });
      return { snapshot: r.snapshot, replayed: false, stock: r.stock };
    }
    let ran = false;
    const run: TxRunner = (fn) =>
      withIdempotency(
        db,
        {
          scope: `${owner.type}:${owner.id}:cart.addItem`,
          key,
          input: { skuId: input.skuId, quantity: input.quantity },
        },
        (tx) => {
          ran = true;
          return fn(tx);
        },
      );
    const snapshot = await single(owner, sku, input.quantity, run);
    return { snapshot, replayed: !ran };
  };
}
