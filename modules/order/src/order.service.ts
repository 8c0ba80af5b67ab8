import type { Transaction } from 'sequelize';
import type {
  AdminOrder,
  AdminOrderListInput,
  AdminOrderPage,
  CheckoutInput,
  Order,
  OrderListInput,
  OrderPage,
  OrderShipInput,
  OrderStatusChange,
} from '@zjmall/contracts';
import { adminHandlers } from './admin.handler';
import { createExpiringQuery, type ExpiringOrder } from './expiring.query';
import { cancelHandlers } from './cancel.handler';
import { checkoutHandler } from './checkout.handler';
import { decodeCursor, encodeCursor } from './cursor';
import type { OrderDeps } from './order.deps';
import { watchOrderStatus } from './order-status.subscription';
import { customerView, loadOrder, readOrderRows, toOrders } from './order.view';
import { paymentPort, type OrderForPayment, type RefundToOrder } from './payment-port';
import type { OrderRefundStatus, OrderStatus } from '@zjmall/contracts';

export type OrderServiceDeps = OrderDeps;

export interface OrderService {
  checkout(userId: string, input: CheckoutInput): Promise<Order>;
  get(userId: string, id: string): Promise<Order>;
  list(userId: string, input?: OrderListInput): Promise<OrderPage>;
  cancel(userId: string, id: string, reason?: string): Promise<Order>;
  onStatus(userId: string, id: string, signal?: AbortSignal): AsyncGenerator<OrderStatusChange>;
  /** The timeout canceller's one sweep (database clock; safe with several processes). */
  cancelExpired(limit?: number): Promise<{ cancelled: number }>;
  admin: {
    list(input?: AdminOrderListInput): Promise<AdminOrderPage>;
    get(id: string): Promise<AdminOrder>;
    ship(input: OrderShipInput, actor: string): Promise<AdminOrder>;
    complete(id: string, actor: string): Promise<AdminOrder>;
    /** Cancels an unpaid order as `actor` (operators, tests). */
    cancel(id: string, actor: string, reason: string): Promise<AdminOrder>;
    /** Unpaid orders due within `withinSeconds`, soonest first (modules/notification's staff alert). */
    expiringUnpaid(withinSeconds: number, limit?: number): Promise<ExpiringOrder[]>;
  };
  /** For modules/payment, in its transaction (payment may import order; order never imports payment). */
  payments: {
    lockForPayment(tx: Transaction, orderId: string, userId?: string): Promise<OrderForPayment>;
    markPaid(
      tx: Transaction,
      orderId: string,
      paid: { paymentId: string; amount: number; actor: string },
    ): Promise<void>;
    applyRefund(
      tx: Transaction,
      orderId: string,
      refund: RefundToOrder,
    ): Promise<{ status: OrderStatus; refundStatus: OrderRefundStatus; refundedAmount: number }>;
  };
}

export function createOrderService(deps: OrderServiceDeps): OrderService {
  const { db, bus } = deps;
  const checkout = checkoutHandler(deps);
  const cancels = cancelHandlers(deps);
  const admin = adminHandlers(deps);
  const port = paymentPort(deps);

  return {
    checkout,
    get: async (userId, id) => customerView(await loadOrder(db, id, userId)),
    async list(userId, input = {}) {
      const limit = input.limit ?? 20;
      const rows = await readOrderRows(
        db,
        `o.user_id = $1 AND ($2::text IS NULL OR o.status = $2) AND ($3::text IS NULL OR o.refund_status = $3)
         AND ($4::uuid IS NULL OR o.id < $4) ORDER BY o.id DESC LIMIT $5`,
        [userId, input.status ?? null, input.refundStatus ?? null, decodeCursor(input.cursor), limit + 1],
      );
      const page = rows.slice(0, limit);
      const items = (await toOrders(db, page)).map(customerView);
      return { items, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
    },
    async cancel(userId, id, reason) {
      await cancels.cancel({ orderId: id, userId, actor: userId, reason: reason ?? 'cancelled by customer' });
      return customerView(await loadOrder(db, id, userId));
    },
    onStatus: (userId, id, signal) => watchOrderStatus({ db, bus }, userId, id, signal),
    cancelExpired: cancels.cancelExpired,
    admin: {
      list: admin.list,
      get: (id) => loadOrder(db, id, null),
      ship: admin.ship,
      complete: admin.complete,
      async cancel(id, actor, reason) {
        await cancels.cancel({ orderId: id, userId: null, actor, reason });
        return loadOrder(db, id, null);
      },
      expiringUnpaid: createExpiringQuery(db),
    },
    payments: port,
  };
}
