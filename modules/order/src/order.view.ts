import type { Transaction } from 'sequelize';
import type { AdminOrder, Order, OrderAddress, OrderRefundStatus, OrderStatus } from '@zjmall/contracts';
import { DomainError, type Db } from '@zjmall/platform';
import { iso, select } from './order.deps';

/** An order row as read (and, in a transaction, locked). */
export interface OrderRow {
  id: string;
  order_no: string;
  user_id: string;
  status: OrderStatus;
  currency: string;
  items_amount: number;
  discount_amount: number;
  shipping_amount: number;
  payable_amount: number;
  paid_amount: number;
  refund_status: OrderRefundStatus;
  refunded_amount: number;
  address: OrderAddress;
  coupon_code: string | null;
  cart_id: string | null;
  payment_id: string | null;
  carrier: string | null;
  tracking_no: string | null;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
  /** now() >= expires_at, by the database's clock. */
  expired: boolean;
}

interface ItemRow {
  order_id: string;
  sku_id: string;
  product_id: string;
  product_name: string;
  image: string | null;
  spec: Record<string, string>;
  unit_price: number;
  quantity: number;
  subtotal: number;
  discount: number;
  paid: number;
  refunded_quantity: number;
}

interface LogRow {
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  refund_status: 'partial' | 'full' | null;
  actor: string;
  reason: string | null;
  at: Date;
}

const ORDER_COLUMNS = `o.*, now() >= o.expires_at AS expired`;

export const orderNotFound = (id?: string) =>
  new DomainError('ORDER_NOT_FOUND', 'Order not found', id ? { id } : undefined);

/** Locks one order row (FOR UPDATE) in the caller's transaction; every writer of an order starts here. */
export async function lockOrder(db: Db, tx: Transaction, id: string, userId?: string): Promise<OrderRow> {
  const [row] = await select<OrderRow>(
    db,
    `SELECT ${ORDER_COLUMNS} FROM "order".orders o WHERE o.id = $1 AND ($2::uuid IS NULL OR o.user_id = $2) FOR UPDATE`,
    [id, userId ?? null],
    tx,
  );
  if (!row) throw orderNotFound(id);
  return row;
}

export async function readOrderRows(db: Db, where: string, bind: unknown[], tx?: Transaction): Promise<OrderRow[]> {
  return select<OrderRow>(db, `SELECT ${ORDER_COLUMNS} FROM "order".orders o WHERE ${where}`, bind, tx);
}

/** Full orders (items and log) for rows already read: two more queries, whatever the number of orders. */
export async function toOrders(db: Db, rows: OrderRow[], tx?: Transaction): Promise<AdminOrder[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [items, logs] = await Promise.all([
    select<ItemRow>(
      db,
      `SELECT * FROM "order".order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no`,
      [ids],
      tx,
    ),
    select<LogRow>(
      db,
      `SELECT * FROM "order".order_log WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, at, id`,
      [ids],
      tx,
    ),
  ]);
  const itemsBy = groupBy(items, (i) => i.order_id);
  const logsBy = groupBy(logs, (l) => l.order_id);
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    orderNo: r.order_no,
    status: r.status,
    items: (itemsBy.get(r.id) ?? []).map((i) => ({
      skuId: i.sku_id,
      productId: i.product_id,
      productName: i.product_name,
      image: i.image,
      spec: i.spec,
      unitPrice: i.unit_price,
      quantity: i.quantity,
      subtotal: i.subtotal,
      discount: i.discount,
      paid: i.paid,
      refundedQuantity: i.refunded_quantity,
    })),
    itemsAmount: r.items_amount,
    discountAmount: r.discount_amount,
    shippingAmount: r.shipping_amount,
    payableAmount: r.payable_amount,
    paidAmount: r.paid_amount,
    refundStatus: r.refund_status,
    refundedAmount: r.refunded_amount,
    currency: r.currency,
    address: r.address,
    couponCode: r.coupon_code,
    carrier: r.carrier,
    trackingNo: r.tracking_no,
    createdAt: iso(r.created_at)!,
    paidAt: iso(r.paid_at),
    expiresAt: iso(r.expires_at)!,
    cancelledAt: iso(r.cancelled_at),
    log: (logsBy.get(r.id) ?? []).map((l) => ({
      from: l.from_status,
      to: l.to_status,
      refundStatus: l.refund_status,
      at: iso(l.at)!,
      actor: l.actor,
      reason: l.reason,
    })),
  }));
}

export async function loadOrder(db: Db, id: string, userId: string | null, tx?: Transaction): Promise<AdminOrder> {
  const rows = await readOrderRows(db, `o.id = $1 AND ($2::uuid IS NULL OR o.user_id = $2)`, [id, userId], tx);
  if (!rows.length) throw orderNotFound(id);
  const [order] = await toOrders(db, rows, tx);
  return order;
}

/** The customer's view: without `userId`. */
export function customerView(o: AdminOrder): Order {
  const { userId: _userId, ...order } = o;
  return order;
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}
