// order's public surface: nothing else is imported from outside this module.
export { createOrderService } from './order.service';
export type { OrderService, OrderServiceDeps } from './order.service';
export type { ExpiringOrder } from './expiring.query';
export { createOrderRouter } from './order.router';
export type { OrderRouter } from './order.router';
export { createOrderTimeoutCanceller } from './cancel.handler';
export type { OrderTimeoutCanceller } from './cancel.handler';
export type {
  CartCheckoutLine,
  OrderCartPort,
  OrderCatalogPort,
  OrderCouponPort,
  OrderIdentityPort,
  OrderInventoryPort,
  OrderConfig,
} from './order.deps';
export type { OrderForPayment, RefundToOrder } from './payment-port';
export { allocateDiscount, priceLines } from './pricing';
export { createPurchaseCounter } from './purchases';
export type { LimitedSku, PurchaseCounter, UnitsBoughtOptions } from './purchases';
export { TRANSITIONS, canTransition } from './state-machine';
export { orderMigrations } from './migrations';
