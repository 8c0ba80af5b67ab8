import type { CartService } from '@zjmall/cart';
import type { SaleService } from '@zjmall/catalog';
import type { Logger } from '@zjmall/platform';

/**
 * Queued sales' gate on the two ways into an order: `cart.addItem` and checkout's read of the cart
 * (`checkoutView`, which order calls first). A SKU in an open queued sale needs the buyer's admitted
 * ticket (NOT_ADMITTED otherwise); a successful add marks the ticket used, so the admitter stops
 * counting its units as promised. Neither cart nor order knows about sales: the gate wraps the
 * cart service here, where the modules are put together.
 */
export function withSaleGate(cart: CartService, sales: SaleService, log: Logger): CartService {
  return {
    ...cart,
    async addItem(owner, input) {
      await sales.requireAdmitted(owner, [input.skuId]);
      const view = await cart.addItem(owner, input);
      // The add stands either way; a failed mark only makes the admitter more cautious until the grace ends.
      await sales.markUsed(owner, [input.skuId]).catch((err: unknown) => log.warn({ err }, 'sale: markUsed failed'));
      return view;
    },
    async checkoutView(userId, itemIds) {
      const v = await cart.checkoutView(userId, itemIds);
      await sales.requireAdmitted(
        { type: 'user', id: userId },
        v.lines.map((l) => l.skuId),
      );
      return v;
    },
  };
}
