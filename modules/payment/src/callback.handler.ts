import type { Transaction } from 'sequelize';
import { Counter } from 'prom-client';
import {
  EVENTS,
  PAYMENT_EVENT_VERSION,
  type PaymentChannel,
  type PaymentFailedV1,
  type PaymentRefundedV1,
  type PaymentSucceededV1,
} from '@zjmall/contracts';
import { beforeCommit, metricsRegistry, newId, sqlLiteral } from '@zjmall/platform';
import { findPayment, select, type PaymentDeps, type PaymentRow } from './payment.deps';
import { CallbackRejected, type CallbackHeaders, type VerifiedCallback } from './providers/provider';

export const callbackRejections = new Counter({
  name: 'zjmall_payment_callbacks_rejected_total',
  help: 'Verified payment callbacks that were refused (amount mismatch, unknown payment)',
  labelNames: ['channel', 'reason'] as const,
  registers: [metricsRegistry],
});

/** What the callback endpoint answers (docs/api.md, HTTP routes). */
export interface CallbackAnswer {
  statusCode: 200 | 400 | 401 | 404;
  body: { ok: boolean; outcome?: string; error?: string };
}

type Outcome =
  { kind: 'processed'; outcome: string } | { kind: 'rejected'; outcome: 'amount_mismatch' | 'unknown_payment' };

/**
 * Provider callbacks: verified first (a forged or stale callback is refused and never stored, so it
 * cannot occupy a real transaction id), then stored in the inbox keyed by (channel, provider
 * transaction id), then processed once: the inbox row is locked and marked in the same transaction
 * as the effect, so duplicates and concurrent deliveries have no second effect.
 */
export function callbackHandler(deps: PaymentDeps) {
  const { db, order, outbox, providers, log } = deps;

  async function handle(
    channel: string,
    headers: CallbackHeaders,
    rawBody: string,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<CallbackAnswer> {
    const provider = providers.get(channel as PaymentChannel);
    if (!provider) return { statusCode: 404, body: { ok: false, error: 'unknown channel' } };
    let cb: VerifiedCallback;
    try {
      cb = provider.verifyCallback(headers, rawBody, nowSeconds);
    } catch (e) {
      if (e instanceof CallbackRejected) return { statusCode: e.httpStatus, body: { ok: false, error: e.message } };
      throw e;
    }
    await db.query(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (channel, transaction_id) DO UPDATE SET deliveries = payment.inbox.deliveries + 1`,
      { bind: [channel, cb.transactionId, cb.paymentId, JSON.stringify(cb.payload)] },
    );
    const result = await db.transaction((tx) => processEntry(tx, provider.channel, cb));
    if (result.kind === 'rejected') {
      return {
        statusCode: 400,
        body: {
          ok: false,
          error: result.outcome === 'amount_mismatch' ? 'PAYMENT_AMOUNT_MISMATCH' : 'PAYMENT_NOT_FOUND',
        },
      };
    }
    return { statusCode: 200, body: { ok: true, outcome: result.outcome } };
  }

  async function processEntry(tx: Transaction, channel: PaymentChannel, cb: VerifiedCallback): Promise<Outcome> {
    // The inbox row, locked, and the payment's order and channel (which never change) in one statement.
    const paymentId = /^[0-9a-f-]{36}$/i.test(cb.paymentId) ? cb.paymentId : null;
    const [entry] = await select<{
      status: string;
      outcome: string;
      order_id: string | null;
      channel: PaymentChannel | null;
    }>(
      db,
      `SELECT i.status, i.outcome, p.order_id, p.channel
         FROM payment.inbox i LEFT JOIN payment.payments p ON p.id = $3::uuid
        WHERE i.channel = $1 AND i.transaction_id = $2 FOR UPDATE OF i`,
      [channel, cb.transactionId, paymentId],
      tx,
    );
    if (entry.status === 'processed') return { kind: 'processed', outcome: 'duplicate' };
    if (entry.status === 'rejected') return { kind: 'rejected', outcome: entry.outcome as 'amount_mismatch' };
    const known =
      paymentId && entry.order_id && entry.channel
        ? { id: paymentId, order_id: entry.order_id, channel: entry.channel }
        : null;
    const outcome = await apply(tx, channel, cb, known);
    // Marked with the COMMIT (same round trip) where the Db can; otherwise now.
    const marked = beforeCommit(
      tx,
      () =>
        `UPDATE payment.inbox SET status = ${sqlLiteral(outcome.kind)}, outcome = ${sqlLiteral(outcome.outcome)}, processed_at = now()
          WHERE channel = ${sqlLiteral(channel)} AND transaction_id = ${sqlLiteral(cb.transactionId)}`,
    );
    if (!marked) {
      await db.query(
        `UPDATE payment.inbox SET status = $3, outcome = $4, processed_at = now() WHERE channel = $1 AND transaction_id = $2`,
        {
          bind: [channel, cb.transactionId, outcome.kind, outcome.outcome],
          transaction: tx,
        },
      );
    }
    if (outcome.kind === 'rejected') {
      callbackRejections.inc({ channel, reason: outcome.outcome });
      log.warn(
        { channel, transactionId: cb.transactionId, paymentId: cb.paymentId, reason: outcome.outcome },
        'payment callback rejected',
      );
    }
    return outcome;
  }

  async function apply(
    tx: Transaction,
    channel: PaymentChannel,
    cb: VerifiedCallback,
    known: { id: string; order_id: string; channel: PaymentChannel } | null,
  ): Promise<Outcome> {
    if (!known || known.channel !== channel) return { kind: 'rejected', outcome: 'unknown_payment' };
    // Order row first, then the payment's: the lock order of checkout, cancel and payment.create.
    const o = await order.payments.lockForPayment(tx, known.order_id);
    const p = (await findPayment(db, known.id, { tx, lock: true }))!;

    if (cb.outcome === 'failure') {
      if (p.status !== 'pending') return { kind: 'processed', outcome: 'ignored' };
      await setPayment(tx, p.id, `status = 'failed', transaction_id = $2`, [cb.transactionId]);
      const data: PaymentFailedV1 = { paymentId: p.id, orderId: p.order_id, channel, transactionId: cb.transactionId };
      await outbox.add(tx, { type: EVENTS.payment.failed, aggregateId: p.id, data, version: PAYMENT_EVENT_VERSION });
      return { kind: 'processed', outcome: 'failed' };
    }

    if (cb.amount !== p.amount || cb.amount !== o.payableAmount || cb.currency !== p.currency) {
      return { kind: 'rejected', outcome: 'amount_mismatch' };
    }
    if (p.status === 'succeeded' || p.status === 'refunded' || p.status === 'partially_refunded') {
      // Already took money under another transaction id of the same payment: nothing more moves.
      return { kind: 'processed', outcome: 'already_succeeded' };
    }
    const succeeded = (applied: boolean): PaymentSucceededV1 => ({
      paymentId: p.id,
      orderId: p.order_id,
      channel,
      amount: cb.amount,
      currency: p.currency,
      transactionId: cb.transactionId,
      applied,
    });
    if (o.status === 'pending_payment') {
      // Also a success for a failed or closed payment of an order still waiting (docs/api.md).
      // This payment succeeds and the order's other pending payments close, in one statement.
      await db.query(
        `WITH s AS (
           UPDATE payment.payments SET status = 'succeeded', transaction_id = $2, paid_at = now(), closed_at = NULL, updated_at = now()
            WHERE id = $1 RETURNING order_id)
         UPDATE payment.payments SET status = 'closed', closed_at = now(), updated_at = now()
          WHERE order_id = (SELECT order_id FROM s) AND status = 'pending' AND id <> $1`,
        { bind: [p.id, cb.transactionId], transaction: tx },
      );
      await order.payments.markPaid(tx, p.order_id, {
        paymentId: p.id,
        amount: cb.amount,
        actor: `payment:${channel}`,
      });
      await outbox.add(tx, {
        type: EVENTS.payment.succeeded,
        aggregateId: p.id,
        data: succeeded(true),
        version: PAYMENT_EVENT_VERSION,
      });
      return { kind: 'processed', outcome: 'succeeded' };
    }
    // The order was cancelled (or paid by another payment) before the money arrived: record it and
    // give it back at once; the order and stock do not move.
    const refundId = newId();
    const reason =
      o.status === 'cancelled' ? 'order was cancelled before the payment arrived' : `order already ${o.status}`;
    await setPayment(tx, p.id, `status = 'refunded', transaction_id = $2, paid_at = now(), refunded_amount = amount`, [
      cb.transactionId,
    ]);
    await db.query(
      `INSERT INTO payment.refunds (id, payment_id, order_id, amount, items, reason, status, automatic, operator)
       VALUES ($1, $2, $3, $4, '[]', $5, 'succeeded', true, 'system')`,
      { bind: [refundId, p.id, p.order_id, cb.amount, reason], transaction: tx },
    );
    const refunded: PaymentRefundedV1 = {
      paymentId: p.id,
      orderId: p.order_id,
      refundId,
      amount: cb.amount,
      refundedAmount: cb.amount,
      status: 'refunded',
      automatic: true,
    };
    await outbox.add(tx, [
      { type: EVENTS.payment.succeeded, aggregateId: p.id, data: succeeded(false), version: PAYMENT_EVENT_VERSION },
      { type: EVENTS.payment.refunded, aggregateId: p.id, data: refunded, version: PAYMENT_EVENT_VERSION },
    ]);
    return { kind: 'processed', outcome: 'refunded_automatically' };
  }

  async function setPayment(tx: Transaction, id: string, set: string, bind: unknown[]) {
    await db.query(`UPDATE payment.payments SET ${set}, updated_at = now() WHERE id = $1`, {
      bind: [id, ...bind],
      transaction: tx,
    });
  }

  /**
   * Entries stored but never processed (the process died, or the database failed, between storing
   * and processing; a real provider would deliver again, the sandbox does not): processed now from
   * the stored payload, oldest first. processEntry locks the row and checks its status, so a
   * delivery being processed at the same time, or another process sweeping, has no second effect.
   */
  async function reprocessStale(
    opts: { olderThanSeconds?: number; limit?: number } = {},
  ): Promise<{ processed: number; failed: number }> {
    const rows = await select<{ channel: PaymentChannel; transaction_id: string; payload: unknown }>(
      db,
      `SELECT channel, transaction_id, payload FROM payment.inbox
        WHERE status = 'received' AND received_at < now() - make_interval(secs => $1)
        ORDER BY received_at LIMIT $2`,
      [opts.olderThanSeconds ?? 30, opts.limit ?? 100],
    );
    let processed = 0;
    let failed = 0;
    for (const r of rows) {
      const provider = providers.get(r.channel);
      let cb: VerifiedCallback | null = null;
      try {
        cb = provider ? provider.fromStored(r.payload) : null;
      } catch {
        cb = null;
      }
      if (cb === null || cb.transactionId !== r.transaction_id) {
        // It will never read better: rejected (kept, counted, logged once), not retried forever.
        failed++;
        await db.query(
          `UPDATE payment.inbox SET status = 'rejected', outcome = 'unreadable', processed_at = now() WHERE channel = $1 AND transaction_id = $2 AND status = 'received'`,
          {
            bind: [r.channel, r.transaction_id],
          },
        );
        callbackRejections.inc({ channel: r.channel, reason: 'unreadable' });
        log.error(
          { channel: r.channel, transactionId: r.transaction_id },
          'payment inbox entry unreadable (no provider, or a payload it cannot parse): rejected',
        );
        continue;
      }
      try {
        await db.transaction((tx) => processEntry(tx, r.channel, cb));
        processed++;
      } catch (err) {
        failed++;
        log.error(
          { err, channel: r.channel, transactionId: r.transaction_id },
          'payment inbox entry could not be processed; retried on the next sweep',
        );
      }
    }
    return { processed, failed };
  }

  return { handle, reprocessStale };
}

export type { PaymentRow };
