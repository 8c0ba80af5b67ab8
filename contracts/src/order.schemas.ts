import { z } from 'zod';
import { Id, IdempotencyKey, Limit, SafeString } from './common.schemas';

// ---- building blocks -------------------------------------------------------------------------

/** The fulfilment lifecycle only: pending_payment → paid → shipped → completed; pending_payment → cancelled. Refunds are `OrderRefundStatus`. */
export const OrderStatus = z.enum(['pending_payment', 'paid', 'shipped', 'completed', 'cancelled']);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Refunds, beside the fulfilment status: none yet, part of what was paid, or all of it. */
export const OrderRefundStatus = z.enum(['none', 'partial', 'full']);
export type OrderRefundStatus = z.infer<typeof OrderRefundStatus>;

const Money = z.number().int().min(0);

/** The address as it was when the order was placed (identity's address, snapshotted). */
export const OrderAddress = z.object({
  receiver: z.string(),
  phone: z.string(),
  province: z.string(),
  city: z.string(),
  district: z.string(),
  detail: z.string(),
});
export type OrderAddress = z.infer<typeof OrderAddress>;

export const OrderItem = z.object({
  skuId: z.string(),
  productId: z.string(),
  productName: z.string(),
  image: z.string().nullable(),
  spec: z.record(z.string(), z.string()),
  unitPrice: Money,
  quantity: z.number().int().min(1),
  subtotal: Money,
  /** The order's discount allocated to this line (largest remainder). */
  discount: Money,
  /** subtotal − discount: what was paid for this line. */
  paid: Money,
  /** Units refunded and returned to stock so far. */
  refundedQuantity: z.number().int().min(0),
});
export type OrderItem = z.infer<typeof OrderItem>;

export const OrderLogEntry = z.object({
  from: OrderStatus.nullable(),
  to: OrderStatus,
  /** A refund's entry: the refund status it left (`from` = `to`, the fulfilment status is unchanged); null for a status move. */
  refundStatus: OrderRefundStatus.nullable(),
  at: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
});
export type OrderLogEntry = z.infer<typeof OrderLogEntry>;

export const Order = z.object({
  id: z.string(),
  orderNo: z.string(),
  status: OrderStatus,
  items: z.array(OrderItem),
  itemsAmount: Money,
  discountAmount: Money,
  shippingAmount: Money,
  payableAmount: Money,
  paidAmount: Money,
  refundStatus: OrderRefundStatus,
  refundedAmount: Money,
  currency: z.string(),
  address: OrderAddress,
  /** The coupon the order used (upper case), its discount in `discountAmount` and the lines' `discount`. */
  couponCode: z.string().nullable(),
  carrier: z.string().nullable(),
  trackingNo: z.string().nullable(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
  expiresAt: z.string(),
  cancelledAt: z.string().nullable(),
  log: z.array(OrderLogEntry),
});
export type Order = z.infer<typeof Order>;

/** An admin's view of an order: whose it is. */
export const AdminOrder = Order.extend({ userId: z.string() });
export type AdminOrder = z.infer<typeof AdminOrder>;

// ---- procedures ------------------------------------------------------------------------------

export const CheckoutInput = z.object({
  addressId: Id,
  /** Cart line ids to buy (default: the selected lines). */
  itemIds: z.array(Id).min(1).max(100).optional(),
  /** Default: the coupon applied to the cart (if any). Case-insensitive. */
  couponCode: SafeString.trim().min(1).max(50).optional(),
  /**
   * What the client showed; a different payable amount is PRICE_CHANGED and nothing is ordered. Without
   * it a line whose price rose above its agreed price (the cart line's addedPrice) is PRICE_CHANGED too.
   */
  expectedPayable: Money.optional(),
  idempotencyKey: IdempotencyKey,
});
export type CheckoutInput = z.infer<typeof CheckoutInput>;

/**
 * PRICE_CHANGED details (the one shape of every PRICE_CHANGED): the totals the order would have now
 * (prices as checkout would charge them) and the lines whose price differs from the one the customer
 * agreed to (`seenPrice`, the cart line's addedPrice; `currentPrice`, what checkout would charge).
 */
export const PriceChangedDetails = z.object({
  totals: z.object({ itemsAmount: Money, discountAmount: Money, shippingAmount: Money, payableAmount: Money }),
  currency: z.string(),
  lines: z.array(z.object({ itemId: z.string(), skuId: z.string(), seenPrice: Money, currentPrice: Money })),
});
export type PriceChangedDetails = z.infer<typeof PriceChangedDetails>;

export const OrderIdInput = z.object({ id: Id });
export type OrderIdInput = z.infer<typeof OrderIdInput>;

/** An order page cursor: opaque to clients (base64url, 48 characters). */
export const OrderCursor = SafeString.regex(/^[A-Za-z0-9_-]{48}$/, 'not a cursor from this list');

export const OrderListInput = z
  .object({
    status: OrderStatus.optional(),
    refundStatus: OrderRefundStatus.optional(),
    cursor: OrderCursor.optional(),
    limit: Limit.optional(),
  })
  .optional();
export type OrderListInput = z.infer<typeof OrderListInput>;

export const OrderPage = z.object({ items: z.array(Order), nextCursor: z.string().nullable() });
export type OrderPage = z.infer<typeof OrderPage>;

export const AdminOrderListInput = z
  .object({
    status: OrderStatus.optional(),
    refundStatus: OrderRefundStatus.optional(),
    userId: Id.optional(),
    /** An order number, exactly (the console's search box). */
    orderNo: SafeString.trim()
      .regex(/^\d{1,32}$/, 'digits only')
      .optional(),
    cursor: OrderCursor.optional(),
    limit: Limit.optional(),
  })
  .optional();
export type AdminOrderListInput = z.infer<typeof AdminOrderListInput>;

export const AdminOrderPage = z.object({ items: z.array(AdminOrder), nextCursor: z.string().nullable() });
export type AdminOrderPage = z.infer<typeof AdminOrderPage>;

export const OrderCancelInput = z.object({ id: Id, reason: SafeString.trim().min(1).max(200).optional() });
export type OrderCancelInput = z.infer<typeof OrderCancelInput>;

/** `order.admin.cancel`: an admin cancels an unpaid order; the reason is required (it goes into the order's log). */
export const OrderAdminCancelInput = z.object({ id: Id, reason: SafeString.trim().min(1).max(200) });
export type OrderAdminCancelInput = z.infer<typeof OrderAdminCancelInput>;

export const OrderShipInput = z.object({
  id: Id,
  carrier: SafeString.trim().min(1).max(50),
  trackingNo: SafeString.trim().min(1).max(100),
});
export type OrderShipInput = z.infer<typeof OrderShipInput>;

/** One `order.onStatus` message: the order's status and refunds now (first message: the current ones). */
export const OrderStatusChange = z.object({
  id: z.string(),
  orderNo: z.string(),
  status: OrderStatus,
  refundStatus: OrderRefundStatus,
  refundedAmount: Money,
  at: z.string(),
});
export type OrderStatusChange = z.infer<typeof OrderStatusChange>;

// ---- events (payload version 1) ----------------------------------------------------------------

export const ORDER_EVENT_VERSION = 1;
/** `order.refunded` is version 2: its `status` is the fulfilment status (version 1 said partially_refunded/refunded). */
export const ORDER_REFUNDED_EVENT_VERSION = 2;

/**
 * Every order event carries the order's id, number, owner, status and refunds after the change.
 * `refundStatus`/`refundedAmount` were added to version 1; events written before them had no
 * refund yet (a refunded order could not move again), so they parse as none/0.
 */
const OrderEventBase = z.object({
  orderId: z.string(),
  orderNo: z.string(),
  userId: z.string(),
  status: OrderStatus,
  refundStatus: OrderRefundStatus.default('none'),
  refundedAmount: Money.default(0),
  at: z.string(),
});

export const OrderCreatedV1 = OrderEventBase.extend({
  payableAmount: Money,
  currency: z.string(),
  items: z.array(z.object({ skuId: z.string(), quantity: z.number().int(), paid: Money })),
  expiresAt: z.string(),
});
export type OrderCreatedV1 = z.infer<typeof OrderCreatedV1>;

export const OrderPaidV1 = OrderEventBase.extend({ paymentId: z.string(), amount: Money, currency: z.string() });
export type OrderPaidV1 = z.infer<typeof OrderPaidV1>;

export const OrderCancelledV1 = OrderEventBase.extend({ reason: z.string().nullable(), actor: z.string() });
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1>;

export const OrderShippedV1 = OrderEventBase.extend({ carrier: z.string(), trackingNo: z.string() });
export type OrderShippedV1 = z.infer<typeof OrderShippedV1>;

export const OrderCompletedV1 = OrderEventBase;
export type OrderCompletedV1 = z.infer<typeof OrderCompletedV1>;

/** `order.refunded` version 2: `status` is the fulfilment status, `refundStatus` partial or full. */
export const OrderRefundedV2 = OrderEventBase.extend({
  refundStatus: OrderRefundStatus,
  refundedAmount: Money,
  refundId: z.string(),
  amount: Money,
  items: z.array(z.object({ skuId: z.string(), quantity: z.number().int() })),
});
export type OrderRefundedV2 = z.infer<typeof OrderRefundedV2>;

/** `order.refunded` version 1, for events published before version 2: `status` was the refund state. */
export const OrderRefundedV1 = z.object({
  orderId: z.string(),
  orderNo: z.string(),
  userId: z.string(),
  status: z.enum(['partially_refunded', 'refunded']),
  at: z.string(),
  refundId: z.string(),
  amount: Money,
  refundedAmount: Money,
  items: z.array(z.object({ skuId: z.string(), quantity: z.number().int() })),
});
export type OrderRefundedV1 = z.infer<typeof OrderRefundedV1>;
