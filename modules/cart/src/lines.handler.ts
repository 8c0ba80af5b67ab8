import type {
  CartRemoveItemsInput,
  CartSelectAllInput,
  CartSelectInput,
  CartUpdateQuantityInput,
} from '@zjmall/contracts';
import { itemNotFound, linesById, type Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartSnapshot } from './types';

/** The changes to existing lines: quantity, removal, selection, clear. Only the caller's active cart is ever touched. */
export function createLineHandlers(store: CartStore, m: Mutator) {
  async function removeItems(owner: CartOwner, input: CartRemoveItemsInput): Promise<CartSnapshot> {
    return m.mutate(owner, { reason: 'remove', create: false, missing: itemNotFound }, async (s) => {
      const gone = linesById(s.lines, input.itemIds);
      const ids = new Set(gone.map((l) => l.id));
      await store.deleteLines(s.tx, s.cart, [...ids]);
      await m.releaseHolds(
        s,
        gone.map((l) => l.skuId),
      );
      return { lines: s.lines.filter((l) => !ids.has(l.id)) };
    });
  }

  return {
    /** 0 removes the line; a higher quantity is checked against the limit and stock (held for customers). */
    async updateQuantity(owner: CartOwner, input: CartUpdateQuantityInput): Promise<CartSnapshot> {
      if (input.quantity === 0) return removeItems(owner, { itemIds: [input.itemId] });
      return m.mutate(owner, { reason: 'quantity', create: false, missing: itemNotFound }, async (s) => {
        const [line] = linesById(s.lines, [input.itemId]);
        if (line.quantity === input.quantity) return { lines: s.lines };
        m.limits.quantity(line.skuId, input.quantity);
        await m.purchaseLimits.checkQuantity(s.tx, owner, line.skuId, line.quantity, input.quantity);
        await m.secure(s, [{ skuId: line.skuId, quantity: input.quantity, previous: line.quantity }]);
        await store.writeLines(s.tx, [], [{ cart: s.cart, itemId: line.id, quantity: input.quantity }]);
        return { lines: s.lines.map((l) => (l === line ? { ...l, quantity: input.quantity } : l)) };
      });
    },

    removeItems,

    async select(owner: CartOwner, input: CartSelectInput): Promise<CartSnapshot> {
      return m.mutate(owner, { reason: 'select', create: false, missing: itemNotFound }, async (s) => {
        const ids = new Set(linesById(s.lines, input.itemIds).map((l) => l.id));
        await store.setSelected(s.tx, s.cart, [...ids], input.selected);
        return { lines: s.lines.map((l) => (ids.has(l.id) ? { ...l, selected: input.selected } : l)) };
      });
    },

    async selectAll(owner: CartOwner, input: CartSelectAllInput): Promise<CartSnapshot> {
      return m.mutate(owner, { reason: 'select', create: false, missing: 'empty' }, async (s) => {
        await store.setSelected(s.tx, s.cart, null, input.selected);
        return { lines: s.lines.map((l) => ({ ...l, selected: input.selected })) };
      });
    },

    /** The cart becomes `abandoned` and its holds are released; the next add starts a new active cart. */
    async clear(owner: CartOwner): Promise<CartSnapshot> {
      return m.mutate(owner, { reason: 'clear', create: false, missing: 'empty' }, async (s) => {
        await store.setStatus(s.tx, s.cartId, 'abandoned');
        if (s.lines.length) await m.releaseHolds(s);
        return { lines: [], closed: true };
      });
    },
  };
}
