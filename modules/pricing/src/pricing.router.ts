import { PriceJobInput, RecalculateInput, RecalculateOutput, PriceJob } from '@zjmall/contracts';
import { adminProcedure, router } from '@zjmall/platform';
import { couponAdminProcedures } from './coupons/coupon.procedures';
import type { CouponService } from './coupons/coupon.service';
import type { PricingService } from './pricing.service';

export function createPricingRouter(svc: PricingService, coupons: CouponService) {
  return router({
    admin: router({
      recalculate: adminProcedure
        .input(RecalculateInput)
        .output(RecalculateOutput)
        .mutation(({ input, ctx }) => svc.recalculate(input, ctx.user.id)),
      job: adminProcedure
        .input(PriceJobInput)
        .output(PriceJob)
        .query(({ input }) => svc.job(input.jobId)),
      ...couponAdminProcedures(coupons),
    }),
  });
}

export type PricingRouter = ReturnType<typeof createPricingRouter>;
