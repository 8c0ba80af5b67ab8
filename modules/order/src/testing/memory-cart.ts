// Test-only: a tiny real cart for checkout tests until modules/cart lands (same contract as its
// checkoutView/removeOrderedLines). Lines live in memory; holds are real inventory reservations
// owned by {type: 'cart', id: cartId}, as the cart module takes them.
import type { Transaction } from 'sequelize';
import { DomainError, newId } from '@zjmall/platform';
import type { InventoryService } from '@zjmall/inventory';
import type { CartCheckoutLine, OrderCartPort, OrderCatalogPort } from '../index';

export interface MemoryCart extends OrderCartPort {
  /**
   * Adds a line (a hold of its quantity when `hold`); returns the line id. Its agreed price is
   * `addedPrice`, default the SKU's current price (as the cart module sets it).
   */
  add(
    userId: string,
    skuId: string,
    quantity: number,
    opts?: { hold?: boolean; selected?: boolean; addedPrice?: number },
  ): Promise<string>;
  lines(userId: string): CartCheckoutLine[];
  cartId(userId: string): string;
}

export function createMemoryCart(
  inventory: Pick<InventoryService, 'reserve'>,
  catalog: OrderCatalogPort,
  currency = 'CNY',
): MemoryCart {
  const carts = new Map<string, { id: string; lines: CartCheckoutLine[] }>();
  const cartOf = (userId: string) => {
    let c = carts.get(userId);
    if (!c) carts.set(userId, (c = { id: newId(), lines: [] }));
    return c;
  };
  return {
    async add(userId, skuId, quantity, opts = {}) {
      const c = cartOf(userId);
      if (opts.hold) await inventory.reserve({ type: 'cart', id: c.id }, [{ skuId, quantity }], { ttlSeconds: 600 });
      const itemId = newId();
      const addedPrice = opts.addedPrice ?? (await catalog.getSkus([skuId]))[0]?.price ?? 0;
      c.lines.push({ itemId, skuId, quantity, addedPrice, selected: opts.selected ?? true });
      return itemId;
    },
    lines: (userId) => [...cartOf(userId).lines],
    cartId: (userId) => cartOf(userId).id,
    async checkoutView(userId, itemIds) {
      const c = cartOf(userId);
      if (itemIds) {
        const unknown = itemIds.filter((id) => !c.lines.some((l) => l.itemId === id));
        if (unknown.length) throw new DomainError('CART_ITEM_NOT_FOUND', 'Cart item not found', { itemIds: unknown });
        return { cartId: c.id, currency, lines: c.lines.filter((l) => itemIds.includes(l.itemId)) };
      }
      return { cartId: c.id, currency, lines: c.lines.filter((l) => l.selected) };
    },
    async removeOrderedLines(tx: Transaction, cartId: string, itemIds: string[]) {
      tx.afterCommit(() => {
        for (const c of carts.values())
          if (c.id === cartId) c.lines = c.lines.filter((l) => !itemIds.includes(l.itemId));
      });
    },
  };
}
