import {
  Coupon,
  CouponCodeInput,
  CouponListInput,
  CouponOrNull,
  CouponPage,
  CreateCouponInput,
} from '@zjmall/contracts';
import { adminProcedure } from '@zjmall/platform';
import type { CouponService } from './coupon.service';

/** `pricing.admin.createCoupon`, `coupon`, `coupons` and `disableCoupon` (spread into pricing's admin router). */
export function couponAdminProcedures(coupons: CouponService) {
  return {
    // A code already in use is a FieldError on `code` (CONFLICT naming the field), as catalog's SKU codes.
    createCoupon: adminProcedure
      .input(CreateCouponInput)
      .output(Coupon)
      .mutation(({ input, ctx }) => coupons.create(input, ctx.user.id)),
    coupon: adminProcedure
      .input(CouponCodeInput)
      .output(CouponOrNull)
      .query(({ input }) => coupons.get(input.code)),
    coupons: adminProcedure
      .input(CouponListInput)
      .output(CouponPage)
      .query(({ input }) => coupons.list(input)),
    disableCoupon: adminProcedure
      .input(CouponCodeInput)
      .output(Coupon)
      .mutation(({ input, ctx }) => coupons.disable(input.code, ctx.user.id)),
  };
}
