import type { Transaction } from 'sequelize';
import { DomainError } from '@zjmall/platform';
import type { CartCache } from './cart.cache';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartServiceDeps, CheckoutView } from './types';

/** What modules/order uses: the lines to buy (read from the database, never the cache) and their removal in the order's transaction. */
export function createCheckoutHandlers(deps: CartServiceDeps, store: CartStore, cartCache: CartCache, m: Mutator) {
  return {
    /** The user's active cart: `itemIds` given → those lines (unknown ids: CART_ITEM_NOT_FOUND), else the selected lines. */
    async checkoutView(userId: string, itemIds?: string[]): Promise<CheckoutView> {
      const snap = await store.loadActive({ type: 'user', id: userId });
      if (!snap.cartId) {
        if (itemIds?.length) throw new DomainError('CART_ITEM_NOT_FOUND', 'No such item in your cart', { itemIds });
        throw new DomainError('CART_EMPTY', 'Your cart is empty');
      }
      let lines = snap.lines.filter((l) => l.selected);
      if (itemIds) {
        const byId = new Map(snap.lines.map((l) => [l.id, l]));
        const missing = itemIds.filter((id) => !byId.has(id));
        if (missing.length)
          throw new DomainError('CART_ITEM_NOT_FOUND', 'No such item in your cart', { itemIds: missing });
        lines = [...new Set(itemIds)].map((id) => byId.get(id)!);
      }
      return {
        cartId: snap.cartId,
        currency: deps.config.STORE_CURRENCY,
        lines: lines.map((l) => ({
          itemId: l.id,
          skuId: l.skuId,
          quantity: l.quantity,
          addedPrice: l.addedPrice,
          selected: l.selected,
        })),
        couponCode: snap.couponCode,
      };
    },

    /**
     * In the order's transaction; the cache is dropped and subscribers told after it commits. With
     * `usedCoupon`, that code leaves the cart too if it is the applied one (the order took its use).
     * Every line must still be there: one that left the cart since the checkout read it (bought by a
     * parallel checkout with another key, removed, or the cart cleared) is CART_ITEM_NOT_FOUND, so
     * the order is not placed — the same lines are never bought twice.
     */
    async removeOrderedLines(
      tx: Transaction,
      cartId: string,
      itemIds: string[],
      usedCoupon?: string | null,
    ): Promise<void> {
      if (itemIds.length === 0) return;
      const done = await store.removeLinesOf(tx, cartId, itemIds);
      const removed = new Set(done?.removed ?? []);
      const gone = itemIds.filter((id) => !removed.has(id));
      if (gone.length)
        throw new DomainError(
          'CART_ITEM_NOT_FOUND',
          'Your cart changed while you checked out: review it and try again',
          {
            itemIds: gone,
          },
        );
      if (!done) return;
      const owner = done.owner;
      if (usedCoupon) await store.dropCoupon(tx, cartId, usedCoupon);
      await deps.outbox.add(tx, m.changed(cartId, owner, 'ordered'));
      tx.afterCommit(() => cartCache.invalidate([owner]));
    },
  };
}
