import { QueryTypes, type Transaction } from 'sequelize';
import type { OrderRefundStatus, OrderStatus } from '@zjmall/contracts';
import { DomainError, newId, type Db } from '@zjmall/platform';

/**
 * docs/architecture.md, Consistency: the only moves an order's fulfilment status makes. Refunds do not move it:
 * they set `refund_status` beside it (`recordRefund`), and only a fully refunded order is held back
 * (`assertCanShip`: nothing is left to ship).
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['shipped'],
  shipped: ['completed'],
  completed: [],
  cancelled: [],
};

/** Statuses a refund can be made in: money has been paid and the order was not cancelled. */
export const REFUNDABLE: readonly OrderStatus[] = ['paid', 'shipped', 'completed'];

/** A fully refunded order that has not shipped has nothing left to ship. */
export function assertCanShip(row: { id: string; status: OrderStatus; refund_status: OrderRefundStatus }): void {
  if (row.status === 'paid' && row.refund_status === 'full') {
    throw new DomainError('ILLEGAL_TRANSITION', 'A fully refunded order cannot be shipped', {
      orderId: row.id,
      from: row.status,
      to: 'shipped',
      refundStatus: row.refund_status,
    });
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus, orderId: string): void {
  if (!canTransition(from, to)) {
    throw new DomainError('ILLEGAL_TRANSITION', `An order that is ${from} cannot become ${to}`, { orderId, from, to });
  }
}

export interface TransitionRequest {
  orderId: string;
  from: OrderStatus;
  to: OrderStatus;
  actor: string;
  reason?: string | null;
  /** Extra column assignments of the same UPDATE, e.g. `paid_at = now()`. */
  set?: string;
  bind?: unknown[];
}

/**
 * Moves a locked order from `from` to `to` and writes its log row, in the caller's transaction.
 * The UPDATE is conditional on `from`, so a caller that did not hold the row lock still cannot
 * make a move from a status the order has left.
 */
export async function transition<R extends object = { id: string }>(
  db: Db,
  tx: Transaction,
  req: TransitionRequest & { returning?: string },
): Promise<R> {
  assertTransition(req.from, req.to, req.orderId);
  const extra = req.bind ?? [];
  const n = 3 + extra.length;
  const bind = [req.orderId, req.from, req.to, ...extra, newId(), req.actor, req.reason ?? null];
  // One statement: the conditional UPDATE and, only if it moved the order, the log row.
  const [moved] = await db.query<R>(
    `WITH u AS (
       UPDATE "order".orders SET status = $3::text, updated_at = now()${req.set ? `, ${req.set}` : ''}
        WHERE id = $1::uuid AND status = $2::text RETURNING ${req.returning ?? 'id'}
     ), l AS (
       INSERT INTO "order".order_log (id, order_id, from_status, to_status, actor, reason)
       SELECT $${n + 1}::uuid, $1::uuid, $2::text, $3::text, $${n + 2}::text, $${n + 3}::text FROM u
       RETURNING 1
     )
     SELECT u.* FROM u, l`,
    { bind, transaction: tx, type: QueryTypes.SELECT },
  );
  if (!moved) {
    throw new DomainError('ILLEGAL_TRANSITION', `The order is no longer ${req.from}`, {
      orderId: req.orderId,
      from: req.from,
      to: req.to,
    });
  }
  return moved;
}

/**
 * Records a refund on a locked order in the caller's transaction: `refunded_amount` and
 * `refund_status` change, the fulfilment status does not; the log row (from = to = the status,
 * `refund_status` set) is written in the same statement. Conditional on the status the caller read.
 */
export async function recordRefund(
  db: Db,
  tx: Transaction,
  req: {
    orderId: string;
    status: OrderStatus;
    refundedAmount: number;
    refundStatus: 'partial' | 'full';
    actor: string;
    reason: string;
  },
): Promise<void> {
  const [moved] = await db.query(
    `WITH u AS (
       UPDATE "order".orders SET refunded_amount = $3, refund_status = $4::text, updated_at = now()
        WHERE id = $1::uuid AND status = $2::text RETURNING id
     ), l AS (
       INSERT INTO "order".order_log (id, order_id, from_status, to_status, refund_status, actor, reason)
       SELECT $5::uuid, $1::uuid, $2::text, $2::text, $4::text, $6::text, $7::text FROM u
       RETURNING 1
     )
     SELECT u.id FROM u, l`,
    {
      bind: [req.orderId, req.status, req.refundedAmount, req.refundStatus, newId(), req.actor, req.reason],
      transaction: tx,
      type: QueryTypes.SELECT,
    },
  );
  if (!moved)
    throw new DomainError('ILLEGAL_TRANSITION', `The order is no longer ${req.status}`, { orderId: req.orderId });
}

export async function writeLog(
  db: Db,
  tx: Transaction,
  orderId: string,
  from: OrderStatus | null,
  to: OrderStatus,
  actor: string,
  reason: string | null,
) {
  await db.query(
    `INSERT INTO "order".order_log (id, order_id, from_status, to_status, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
    { bind: [newId(), orderId, from, to, actor, reason], transaction: tx },
  );
}
