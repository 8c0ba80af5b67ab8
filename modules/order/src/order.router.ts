import {
  AdminOrder,
  AdminOrderListInput,
  AdminOrderPage,
  CheckoutInput,
  OrderAdminCancelInput,
  Order,
  OrderCancelInput,
  OrderIdInput,
  OrderListInput,
  OrderPage,
  OrderShipInput,
  OrderStatusChange,
} from '@zjmall/contracts';
import { adminProcedure, router, userProcedure } from '@zjmall/platform';
import type { OrderService } from './order.service';

/** `order.*` for modules/api's appRouter. Routers wire, the service decides. */
export function createOrderRouter(svc: OrderService) {
  const admin = router({
    list: adminProcedure
      .input(AdminOrderListInput)
      .output(AdminOrderPage)
      .query(({ input }) => svc.admin.list(input)),
    get: adminProcedure
      .input(OrderIdInput)
      .output(AdminOrder)
      .query(({ input }) => svc.admin.get(input.id)),
    ship: adminProcedure
      .input(OrderShipInput)
      .output(AdminOrder)
      .mutation(({ ctx, input }) => svc.admin.ship(input, ctx.user.id)),
    complete: adminProcedure
      .input(OrderIdInput)
      .output(AdminOrder)
      .mutation(({ ctx, input }) => svc.admin.complete(input.id, ctx.user.id)),
    cancel: adminProcedure
      .input(OrderAdminCancelInput)
      .output(AdminOrder)
      .mutation(({ ctx, input }) => svc.admin.cancel(input.id, ctx.user.id, input.reason)),
  });
  return router({
    checkout: userProcedure
      .input(CheckoutInput)
      .output(Order)
      .mutation(({ ctx, input }) => svc.checkout(ctx.user.id, input)),
    get: userProcedure
      .input(OrderIdInput)
      .output(Order)
      .query(({ ctx, input }) => svc.get(ctx.user.id, input.id)),
    list: userProcedure
      .input(OrderListInput)
      .output(OrderPage)
      .query(({ ctx, input }) => svc.list(ctx.user.id, input)),
    cancel: userProcedure
      .input(OrderCancelInput)
      .output(Order)
      .mutation(({ ctx, input }) => svc.cancel(ctx.user.id, input.id, input.reason)),
    onStatus: userProcedure
      .meta({ output: OrderStatusChange })
      .input(OrderIdInput)
      .subscription(({ ctx, input, signal }) => svc.onStatus(ctx.user.id, input.id, signal)),
    admin,
  });
}

export type OrderRouter = ReturnType<typeof createOrderRouter>;
