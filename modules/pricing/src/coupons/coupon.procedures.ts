import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';
import {
  Coupon,
  CouponCodeInput,
  CouponListInput,
  CouponOrNull,
  CouponPage,
  CreateCouponInput,
} from '@zjmall/contracts';
import { adminProcedure, middleware } from '@zjmall/platform';
import { CouponCodeTaken, type CouponService } from './coupon.service';

/**
 * A taken code is answered like a schema error on the field (CONFLICT, `data.zodError` naming
 * `code`), as catalog answers a taken SKU code: docs/api.md's closed list of appCodes has none for it.
 */
const codeTaken = middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof CouponCodeTaken) {
    const e = result.error.cause;
    // ZodRealError (unlike ZodError) is an Error, so tRPC keeps it as the cause the formatter reads.
    const cause = new ZodRealError([{ code: 'custom', path: ['code'], message: e.message, input: undefined }]);
    return { ...result, error: new TRPCError({ code: 'CONFLICT', message: e.message, cause }) };
  }
  return result;
});

/** `pricing.admin.createCoupon`, `coupon`, `coupons` and `disableCoupon` (spread into pricing's admin router). */
export function couponAdminProcedures(coupons: CouponService) {
  return {
    createCoupon: adminProcedure
      .use(codeTaken)
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
