import {
  CartAcceptPricesInput,
  CartAddItemInput,
  CartApplyCouponInput,
  CartCountOutput,
  CartMergePreview,
  CartMergePreviewInput,
  CartRemoveItemInput,
  CartRemoveItemsInput,
  CartSelectAllInput,
  CartSelectInput,
  CartUpdateQuantityInput,
  CartView,
} from '@zjmall/contracts';
import { FieldError, guestProcedure, router, userProcedure, type Auth } from '@zjmall/platform';
import type { CartService } from './cart.service';
import type { CartOwner } from './types';

const ownerOf = (caller: Auth): CartOwner =>
  caller.kind === 'user' ? { type: 'user', id: caller.userId } : { type: 'guest', id: caller.guestId };

/**
 * Routers wire, the service decides: `cart.*` (users and guests). Outputs are the `CartView` type
 * built by one function (cart.view.ts) and are not re-parsed at run time: on a 100-line cart the
 * parse would cost more than the rest of the cached read; `.meta({output})` names their schema for
 * the API reference (`/openapi.json`).
 */
export interface CartRouterOptions {
  /** The guest id a guest token names, null when it is not a valid guest token (identity's guestIdOf). */
  guestIdOf: (token: string) => Promise<string | null>;
}

export function createCartRouter(svc: CartService, opts: CartRouterOptions) {
  const cart = guestProcedure.meta({ output: CartView });
  return router({
    get: cart.query(({ ctx }) => svc.get(ownerOf(ctx.caller))),
    count: guestProcedure.meta({ output: CartCountOutput }).query(({ ctx }) => svc.count(ownerOf(ctx.caller))),
    addItem: cart.input(CartAddItemInput).mutation(({ ctx, input }) => svc.addItem(ownerOf(ctx.caller), input)),
    updateQuantity: cart
      .input(CartUpdateQuantityInput)
      .mutation(({ ctx, input }) => svc.updateQuantity(ownerOf(ctx.caller), input)),
    removeItem: cart
      .input(CartRemoveItemInput)
      .mutation(({ ctx, input }) => svc.removeItems(ownerOf(ctx.caller), { itemIds: [input.itemId] })),
    removeItems: cart
      .input(CartRemoveItemsInput)
      .mutation(({ ctx, input }) => svc.removeItems(ownerOf(ctx.caller), input)),
    clear: cart.mutation(({ ctx }) => svc.clear(ownerOf(ctx.caller))),
    select: cart.input(CartSelectInput).mutation(({ ctx, input }) => svc.select(ownerOf(ctx.caller), input)),
    selectAll: cart.input(CartSelectAllInput).mutation(({ ctx, input }) => svc.selectAll(ownerOf(ctx.caller), input)),
    applyCoupon: cart
      .input(CartApplyCouponInput)
      .mutation(({ ctx, input }) => svc.applyCoupon(ownerOf(ctx.caller), input)),
    removeCoupon: cart.mutation(({ ctx }) => svc.removeCoupon(ownerOf(ctx.caller))),
    /** The lines given (default: all) agree to their SKU's price now (addedPrice := unitPrice). */
    acceptPrices: cart
      .input(CartAcceptPricesInput)
      .mutation(({ ctx, input }) => svc.acceptPrices(ownerOf(ctx.caller), input)),
    /** What signing in with this guest token would merge, line by line; changes nothing. */
    mergePreview: userProcedure
      .meta({ output: CartMergePreview })
      .input(CartMergePreviewInput)
      .query(async ({ ctx, input }) => {
        const guestId = await opts.guestIdOf(input.guestToken);
        if (!guestId) throw new FieldError('BAD_REQUEST', ['guestToken'], 'Not a valid guest token');
        return svc.mergePreview(ctx.user.id, guestId);
      }),
    /** SSE: the caller's cart now, then after every change in any process (token in the header or connectionParams). */
    onChange: cart.subscription(async function* ({ ctx, signal }) {
      yield* svc.watch(ownerOf(ctx.caller), signal);
    }),
  });
}

export type CartRouter = ReturnType<typeof createCartRouter>;
