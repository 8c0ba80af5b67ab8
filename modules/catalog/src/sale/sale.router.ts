import { SaleJoinInput, SaleTicket, SaleTicketInput } from '@zjmall/contracts';
import { router, userProcedure } from '@zjmall/platform';
import type { SaleService } from './sale.service';

/** `sale.*` (signed-in customers): the queue of a queued sale. `catalog.admin.setSale` is in the catalog router. */
export function createSaleRouter(sales: SaleService) {
  const user = userProcedure;
  return router({
    join: user
      .meta({ output: SaleTicket })
      .input(SaleJoinInput)
      .mutation(({ ctx, input }) => sales.join(ctx.user.id, input)),
    ticket: user
      .meta({ output: SaleTicket })
      .input(SaleTicketInput)
      .query(({ ctx, input }) => sales.ticket(ctx.user.id, input.ticketId)),
    /** SSE: the ticket now, then its position (at most once a second) and every change of state. */
    onTicket: user
      .meta({ output: SaleTicket })
      .input(SaleTicketInput)
      .subscription(async function* ({ ctx, input, signal }) {
        yield* sales.watch(ctx.user.id, input.ticketId, signal);
      }),
  });
}

export type SaleRouter = ReturnType<typeof createSaleRouter>;
