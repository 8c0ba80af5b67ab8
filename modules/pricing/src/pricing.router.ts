import { PriceJobInput, RecalculateInput, RecalculateOutput, PriceJob } from '@zjmall/contracts';
import { adminProcedure, router } from '@zjmall/platform';
import type { PricingService } from './pricing.service';

export function createPricingRouter(svc: PricingService) {
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
    }),
  });
}

export type PricingRouter = ReturnType<typeof createPricingRouter>;
