import type { SkuView } from '@zjmall/catalog';
import type { LockedCart } from './cart.store';
import type { Mutator } from './cart.mutation';
import type { CartLine, CartOwner } from './types';

/** One add: the SKU was checked (exists, for sale) before it was planned. */
export interface AddRequest {
  owner: CartOwner;
  sku: SkuView;
  quantity: number;
}

/** What an add will do to its locked cart; `failed` once it is refused (it then changes nothing). */
export interface AddPlan {
  req: AddRequest;
  cart: LockedCart;
  /** The cart's line of this SKU before the add, if any. */
  existing: CartLine | undefined;
  /** The line's quantity after the add. */
  quantity: number;
  /** Seconds the add holds stock for (0: a guest, or holds off — stock is only checked). */
  holdSeconds: number;
  failed?: unknown;
}

/**
 * The one planning function of cart.addItem, for a batch of adds to carts locked with their lines
 * (one add per cart: the batcher never puts two of one cart in a batch). The same SKU adds to its
 * line; the line's resulting quantity (CART_MAX_QUANTITY) and the number of lines (CART_MAX_LINES)
 * are checked here, stock after (add-write.ts). A refused add is marked, not thrown: the others go on.
 */
export function planAdds(batch: AddRequest[], cartOf: (owner: CartOwner) => LockedCart, m: Mutator): AddPlan[] {
  return batch.map((req) => {
    const cart = cartOf(req.owner);
    const existing = cart.lines.find((l) => l.skuId === req.sku.skuId);
    const quantity = (existing?.quantity ?? 0) + req.quantity;
    const plan: AddPlan = { req, cart, existing, quantity, holdSeconds: m.holdSeconds(req.owner) };
    try {
      m.limits.quantity(req.sku.skuId, quantity);
      if (!existing) m.limits.lines(cart.lines.length + 1);
    } catch (e) {
      plan.failed = e;
    }
    return plan;
  });
}

/** The cart's lines after a planned add that went through (`inserted`: its new line, if it made one). */
export function linesAfter(p: AddPlan, inserted: CartLine | undefined): CartLine[] {
  if (p.existing)
    return p.cart.lines.map((l) =>
      l === p.existing ? { ...l, quantity: p.quantity, addedPrice: p.req.sku.price } : l,
    );
  if (!inserted) throw new Error(`inserted line for ${p.req.sku.skuId} in cart ${p.cart.cartId} missing`);
  return [inserted, ...p.cart.lines];
}
