import type { CartApplyCouponInput, CartView } from '@zjmall/contracts';
import type { CouponCheck } from '@zjmall/pricing';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps, CartSnapshot } from './types';

/**
 * The view with its applied coupon: the discount on the selected available lines, or 0 with the
 * reason while it does not apply (the code stays on the cart). A new object: the base view may be
 * a frozen, shared one.
 */
export function withCoupon(v: CartView, check: CouponCheck): CartView {
  const discount = check.valid ? Math.min(check.discount, v.selectedAmount) : 0;
  return {
    ...v,
    discountAmount: discount,
    payableAmount: v.selectedAmount - discount,
    coupon: { code: check.code, valid: check.valid, reason: check.reason, discount },
  };
}

/**
 * cart.applyCoupon / cart.removeCoupon. Applying asks pricing for a quote on the cart's selected
 * amount as the customer sees it now (live prices); an invalid code is COUPON_INVALID and nothing
 * changes. Both go through the mutator like every cart write (row lock, `cart.changed`, cache
 * dropped before answering).
 */
export function createCouponHandlers(
  deps: Pick<CartServiceDeps, 'coupons'>,
  store: CartStore,
  m: Mutator,
  current: (owner: CartOwner) => Promise<CartView>,
) {
  return {
    async applyCoupon(owner: CartOwner, input: CartApplyCouponInput): Promise<CartSnapshot> {
      const shown = await current(owner);
      const userId = owner.type === 'user' ? owner.id : undefined;
      const { code } = await deps.coupons.quote(input.code, { userId, selectedAmount: shown.selectedAmount });
      // A cart is started if there is none, so a coupon can be applied before the first add.
      return m.mutate(owner, { reason: 'coupon', create: true, missing: 'empty' }, async (s) => {
        await store.setCoupon(s.tx, s.cartId, code);
        return { lines: s.lines, couponCode: code };
      });
    },

    async removeCoupon(owner: CartOwner): Promise<CartSnapshot> {
      return m.mutate(owner, { reason: 'coupon', create: false, missing: 'empty' }, async (s) => {
        await store.setCoupon(s.tx, s.cartId, null);
        return { lines: s.lines, couponCode: null };
      });
    },
  };
}
