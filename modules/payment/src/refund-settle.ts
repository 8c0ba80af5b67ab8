import type { Transaction } from 'sequelize';
import { EVENTS, PAYMENT_EVENT_VERSION, type PaymentRefundedV1, type RefundStatus } from '@zjmall/contracts';
import { findPayment, select, toProviderPayment, type PaymentDeps } from './payment.deps';
import { ProviderUnavailable, type ProviderRefundResult } from './providers/provider';

export interface RefundRow {
  id: string;
  payment_id: string;
  order_id: string;
  amount: number;
  items: { skuId: string; quantity: number }[];
  reason: string;
  status: RefundStatus;
  automatic: boolean;
  operator: string;
  detail: string | null;
  created_at: Date;
}

/**
 * A refund's end, whoever learns it first (the provider's answer to the request, its notify, the
 * reconciliation job's query): applied once, in one transaction — order row, payment row, refund row
 * locked in that order; only a `pending` refund moves. `succeeded`: the order's side (items back on
 * hand, its refund status; not for an automatic refund, whose order never took the money), the
 * payment's refunded amount and status, `payment.refunded`. `failed`: nothing moves.
 */
export function refundSettler(deps: PaymentDeps) {
  const { db, order, outbox, providers, log } = deps;

  async function settle(tx: Transaction, refundId: string, result: ProviderRefundResult): Promise<RefundStatus> {
    const [known] = await select<{ order_id: string }>(
      db,
      `SELECT order_id FROM payment.refunds WHERE id = $1`,
      [refundId],
      tx,
    );
    if (!known) return 'failed';
    await order.payments.lockForPayment(tx, known.order_id);
    const [r] = await select<RefundRow>(db, `SELECT * FROM payment.refunds WHERE id = $1 FOR UPDATE`, [refundId], tx);
    if (r.status !== 'pending' || result.status === 'pending') return r.status;
    const p = (await findPayment(db, r.payment_id, { tx, lock: true }))!;
    if (result.status === 'failed') {
      await db.query(`UPDATE payment.refunds SET status = 'failed', detail = $2, settled_at = now() WHERE id = $1`, {
        bind: [r.id, result.detail ?? null],
        transaction: tx,
      });
      log.warn({ refundId: r.id, paymentId: p.id, detail: result.detail }, 'refund refused by the payment provider');
      return 'failed';
    }
    if (!r.automatic) {
      await order.payments.applyRefund(tx, r.order_id, {
        refundId: r.id,
        amount: r.amount,
        items: r.items,
        actor: r.operator,
        reason: r.reason,
      });
    }
    const refundedAmount = p.refunded_amount + r.amount;
    const status = refundedAmount === p.amount ? 'refunded' : 'partially_refunded';
    await db.query(`UPDATE payment.payments SET status = $2, refunded_amount = $3, updated_at = now() WHERE id = $1`, {
      bind: [p.id, status, refundedAmount],
      transaction: tx,
    });
    await db.query(`UPDATE payment.refunds SET status = 'succeeded', settled_at = now() WHERE id = $1`, {
      bind: [r.id],
      transaction: tx,
    });
    const data: PaymentRefundedV1 = {
      paymentId: p.id,
      orderId: p.order_id,
      refundId: r.id,
      amount: r.amount,
      refundedAmount,
      status,
      automatic: r.automatic,
    };
    await outbox.add(tx, { type: EVENTS.payment.refunded, aggregateId: p.id, data, version: PAYMENT_EVENT_VERSION });
    return 'succeeded';
  }

  /**
   * Asks the provider for a pending refund (the request is idempotent per refund id, so asking again
   * after a lost answer is the same refund) and settles what it says. A provider that does not
   * answer, or answers with a bad signature, leaves the refund pending for the next sweep.
   */
  async function dispatch(refundId: string): Promise<RefundStatus> {
    const [r] = await select<RefundRow>(db, `SELECT * FROM payment.refunds WHERE id = $1`, [refundId]);
    if (!r || r.status !== 'pending') return r?.status ?? 'failed';
    const p = (await findPayment(db, r.payment_id))!;
    const provider = providers.get(p.channel);
    if (!provider?.refund) {
      // The provider went away (configuration) or never needed asking: left for an operator.
      log.error({ refundId, channel: p.channel }, 'pending refund whose channel has no provider to ask');
      return 'pending';
    }
    let result: ProviderRefundResult;
    try {
      result = await provider.refund(toProviderPayment(p), { id: r.id, amount: r.amount, reason: r.reason });
    } catch (err) {
      if (!(err instanceof ProviderUnavailable)) throw err;
      log.warn({ err, refundId, channel: p.channel }, 'payment provider did not settle the refund; asked again later');
      return 'pending';
    }
    return db.transaction((tx) => settle(tx, r.id, result));
  }

  /** Refunds still pending after `olderThanSeconds`: asked again (the reconciliation job). */
  async function sweepPending(opts: { olderThanSeconds: number; limit: number }): Promise<number> {
    const rows = await select<{ id: string }>(
      db,
      `SELECT id FROM payment.refunds WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [opts.olderThanSeconds, opts.limit],
    );
    let settled = 0;
    for (const r of rows) if ((await dispatch(r.id)) !== 'pending') settled++;
    return settled;
  }

  return { settle, dispatch, sweepPending };
}

export type RefundSettler = ReturnType<typeof refundSettler>;
