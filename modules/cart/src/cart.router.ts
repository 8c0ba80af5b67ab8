import {
  CartAddItemInput,
  CartApplyCouponInput,
  CartRemoveItemInput,
  CartRemoveItemsInput,
  CartSelectAllInput,
  CartSelectInput,
  CartUpdateQuantityInput,
} from '@zjmall/contracts';
import { guestProcedure, router, type Auth } from '@zjmall/platform';
import type { CartService } from './cart.service';
import type { CartOwner } from './types';

const ownerOf = (caller: Auth): CartOwner => (caller.kind === 'user' ? { type: 'user', id: caller.userId } : { type: 'guest', id: caller.guestId });

/**
 * Routers wire, the service decides: `cart.*` (users and guests). Outputs are the `CartView` type
 * built by one function (cart.view.ts) and are not re-parsed at run time: on a 100-line cart the
 * parse would cost more than the rest of the cached read.
 */
export function createCartRouter(svc: CartService) {
  return router({
    get: guestProcedure.query(({ ctx }) => svc.get(ownerOf(ctx.caller))),
    count: guestProcedure.query(({ ctx }) => svc.count(ownerOf(ctx.caller))),
    addItem: guestProcedure.input(CartAddItemInput).mutation(({ ctx, input }) => svc.addItem(ownerOf(ctx.caller), input)),
    updateQuantity: guestProcedure.input(CartUpdateQuantityInput).mutation(({ ctx, input }) => svc.updateQuantity(ownerOf(ctx.caller), input)),
    removeItem: guestProcedure.input(CartRemoveItemInput).mutation(({ ctx, input }) => svc.removeItems(ownerOf(ctx.caller), { itemIds: [input.itemId] })),
    removeItems: guestProcedure.input(CartRemoveItemsInput).mutation(({ ctx, input }) => svc.removeItems(ownerOf(ctx.caller), input)),
    clear: guestProcedure.mutation(({ ctx }) => svc.clear(ownerOf(ctx.caller))),
    select: guestProcedure.input(CartSelectInput).mutation(({ ctx, input }) => svc.select(ownerOf(ctx.caller), input)),
    selectAll: guestProcedure.input(CartSelectAllInput).mutation(({ ctx, input }) => svc.selectAll(ownerOf(ctx.caller), input)),
    applyCoupon: guestProcedure.input(CartApplyCouponInput).mutation(({ ctx, input }) => svc.applyCoupon(ownerOf(ctx.caller), input)),
    removeCoupon: guestProcedure.mutation(({ ctx }) => svc.removeCoupon(ownerOf(ctx.caller))),
    /** SSE: the caller's cart now, then after every change in any process (token in the header or connectionParams). */
    onChange: guestProcedure.subscription(async function* ({ ctx, signal }) {
      yield* svc.watch(ownerOf(ctx.caller), signal);
    }),
  });
}

export type CartRouter = ReturnType<typeof createCartRouter>;
