import { z } from 'zod';
import {
  AdminPaymentList,
  InboxEntries,
  PaymentInboxInput,
  ReplayInboxInput,
  Payment,
  PaymentChannels,
  PaymentCreateInput,
  PaymentForOrderInput,
  PaymentIdInput,
  PaymentStats,
  PaymentStatsInput,
  Refund,
  RefundInput,
} from '@zjmall/contracts';
import { adminProcedure, publicProcedure, router, userProcedure } from '@zjmall/platform';
import type { PaymentService } from './payment.service';

/** `payment.*` for modules/api's appRouter. Routers wire, the service decides. */
export function createPaymentRouter(svc: PaymentService) {
  const admin = router({
    refund: adminProcedure
      .input(RefundInput)
      .output(Refund)
      .mutation(({ ctx, input }) => svc.refund(ctx.user.id, input)),
    forOrder: adminProcedure
      .input(PaymentForOrderInput)
      .output(AdminPaymentList)
      .query(({ input }) => svc.adminForOrder(input.orderId)),
    inbox: adminProcedure
      .input(PaymentInboxInput)
      .output(InboxEntries)
      .query(({ input }) => svc.adminInbox(input.paymentId)),
    replayInbox: adminProcedure
      .input(ReplayInboxInput)
      .output(InboxEntries)
      .mutation(({ input }) => svc.replayInbox(input.entryId)),
    stats: adminProcedure
      .input(PaymentStatsInput)
      .output(PaymentStats)
      .query(({ input }) => svc.stats(input)),
  });
  return router({
    channels: publicProcedure.output(PaymentChannels).query(() => svc.channels()),
    // A returnUrl on an origin the shop does not trust is a FieldError: BAD_REQUEST naming the field.
    create: userProcedure
      .input(PaymentCreateInput)
      .output(Payment)
      .mutation(({ ctx, input }) => svc.create(ctx.user.id, input)),
    get: userProcedure
      .input(PaymentIdInput)
      .output(Payment)
      .query(({ ctx, input }) => svc.get(ctx.user.id, input.id)),
    forOrder: userProcedure
      .input(PaymentForOrderInput)
      .output(z.array(Payment))
      .query(({ ctx, input }) => svc.forOrder(ctx.user.id, input.orderId)),
    admin,
  });
}

export type PaymentRouter = ReturnType<typeof createPaymentRouter>;
