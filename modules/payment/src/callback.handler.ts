import type { Transaction } from 'sequelize';
import { Counter } from 'prom-client';
import {
  EVENTS,
  PAYMENT_EVENT_VERSION,
  type PaymentChannel,
  type PaymentAmountMismatchV1,
  type PaymentFailedV1,
  type PaymentRefundedV1,
  type PaymentSucceededV1,
} from '@zjmall/contracts';
import { DomainError, inTransaction, metricsRegistry, newId } from '@zjmall/platform';
import { findPayment, select, type PaymentDeps, type PaymentRow } from './payment.deps';
import {
  CallbackRejected,
  type CallbackHeaders,
  type CallbackReply,
  type CallbackResult,
  type VerifiedCallback,
} from './providers/provider';
import type { RefundSettler } from './refund-settle';

export const callbackRejections = new Counter({
  name: 'zjmall_payment_callbacks_rejected_total',
  help: 'Verified payment callbacks that were refused (amount mismatch, unknown payment)',
  labelNames: ['channel', 'reason'] as const,
  registers: [metricsRegistry],
});

/** What the callback endpoint answers (docs/api.md, HTTP routes): the provider's own terms. */
export type CallbackAnswer = CallbackReply;

export type Outcome =
  { kind: 'processed'; outcome: string } | { kind: 'rejected'; outcome: 'amount_mismatch' | 'unknown_payment' };

/** Refusals that may read differently later (the channel was switched off when it came). */
const TRANSIENT_REJECTIONS = ['unreadable'];
export const isReplayable = (status: string, outcome: string | null) =>
  status === 'received' || (status === 'rejected' && TRANSIENT_REJECTIONS.includes(outcome ?? ''));

/** The sandbox's reply (and any provider's that has no scheme of its own): JSON `{ok, outcome|error}`. */
const jsonReply = (r: CallbackResult): CallbackReply =>
  r.ok
    ? { statusCode: 200, body: { ok: true, outcome: r.outcome } }
    : { statusCode: r.statusCode, body: { ok: false, error: r.error } };

/**
 * Provider callbacks: verified first (a forged or stale callback is refused and never stored, so it
 * cannot occupy a real transaction id), then stored in the inbox keyed by (channel, provider
 * transaction id), then processed once: the inbox row is locked and marked in the same transaction
 * as the effect, so duplicates and concurrent deliveries have no second effect.
 */
export function callbackHandler(deps: PaymentDeps, settler: RefundSettler) {
  const { db, order, outbox, providers, log } = deps;

  async function handle(
    channel: string,
    headers: CallbackHeaders,
    rawBody: string,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<CallbackAnswer> {
    const provider = providers.get(channel as PaymentChannel);
    if (!provider) return jsonReply({ ok: false, statusCode: 404, error: 'unknown channel' });
    const reply = provider.reply ?? jsonReply;
    let cb: VerifiedCallback;
    try {
      cb = provider.verifyCallback(headers, rawBody, nowSeconds);
    } catch (e) {
      if (e instanceof CallbackRejected) return reply({ ok: false, statusCode: e.httpStatus, error: e.message });
      throw e;
    }
    const result = await receive(provider.channel, cb);
    if (result.kind === 'rejected') {
      return reply({
        ok: false,
        statusCode: 400,
        error: result.outcome === 'amount_mismatch' ? 'PAYMENT_AMOUNT_MISMATCH' : 'PAYMENT_NOT_FOUND',
      });
    }
    return reply({ ok: true, outcome: result.outcome });
  }

  /**
   * One verified message (a notify, or a query's answer standing for it): stored in the inbox under
   * its key (a repeat only counts a delivery), then processed once.
   */
  async function receive(channel: PaymentChannel, cb: VerifiedCallback): Promise<Outcome> {
    await db.query(
      `INSERT INTO payment.inbox (channel, transaction_id, payment_id, payload) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (channel, transaction_id) DO UPDATE SET deliveries = payment.inbox.deliveries + 1`,
      { bind: [channel, cb.key, cb.paymentId, JSON.stringify(cb.payload)] },
    );
    return inTransaction(db, (tx) => processEntry(tx, channel, cb));
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
      [channel, cb.key, paymentId],
      tx,
    );
    if (entry.status === 'processed') return { kind: 'processed', outcome: 'duplicate' };
    if (entry.status === 'rejected') return { kind: 'rejected', outcome: entry.outcome as 'amount_mismatch' };
    const known =
      paymentId && entry.order_id && entry.channel
        ? { id: paymentId, order_id: entry.order_id, channel: entry.channel }
        : null;
    const outcome = await apply(tx, channel, cb, known);
    await db.query(
      `UPDATE payment.inbox SET status = $3, outcome = $4, processed_at = now() WHERE channel = $1 AND transaction_id = $2`,
      { bind: [channel, cb.key, outcome.kind, outcome.outcome], transaction: tx },
    );
    if (outcome.kind === 'rejected') {
      callbackRejections.inc({ channel, reason: outcome.outcome });
      log.warn(
        { channel, transactionId: cb.transactionId, paymentId: cb.paymentId, reason: outcome.outcome },
        'payment callback rejected',
      );
    }
    return outcome;
  }

  /** What the message means, by use case: the money arrived, the trade ended unpaid, a refund ended. */
  async function apply(
    tx: Transaction,
    channel: PaymentChannel,
    cb: VerifiedCallback,
    known: { id: string; order_id: string; channel: PaymentChannel } | null,
  ): Promise<Outcome> {
    if (!known || known.channel !== channel) return { kind: 'rejected', outcome: 'unknown_payment' };
    switch (cb.outcome) {
      case 'success':
        return applySuccess(tx, channel, cb, known);
      case 'failure':
      case 'closed':
        return applyUnpaid(tx, channel, cb, known);
      case 'refund_succeeded':
      case 'refund_failed':
        return applyRefundEnd(tx, cb, known);
    }
  }

  /**
   * Declined (sandbox) or closed unpaid at the provider: a pending payment becomes `failed`/`closed`
   * (the order stays payable by a new payment); any other state ignores it (Alipay's TRADE_CLOSED
   * also arrives after a full refund).
   */
  async function applyUnpaid(
    tx: Transaction,
    channel: PaymentChannel,
    cb: VerifiedCallback,
    known: { id: string; order_id: string },
  ): Promise<Outcome> {
    await order.payments.lockForPayment(tx, known.order_id);
    const p = (await findPayment(db, known.id, { tx, lock: true }))!;
    if (p.status !== 'pending') return { kind: 'processed', outcome: 'ignored' };
    if (cb.outcome === 'closed') {
      await setPayment(tx, p.id, `status = 'closed', closed_at = now()`, []);
      return { kind: 'processed', outcome: 'closed' };
    }
    await setPayment(tx, p.id, `status = 'failed', transaction_id = $2`, [cb.transactionId]);
    const data: PaymentFailedV1 = { paymentId: p.id, orderId: p.order_id, channel, transactionId: cb.transactionId };
    await outbox.add(tx, { type: EVENTS.payment.failed, aggregateId: p.id, data, version: PAYMENT_EVENT_VERSION });
    return { kind: 'processed', outcome: 'failed' };
  }

  /** An asynchronous refund ended (WeChat Pay's REFUND.SUCCESS / REFUND.ABNORMAL): settled once. */
  async function applyRefundEnd(
    tx: Transaction,
    cb: VerifiedCallback,
    known: { id: string; order_id: string },
  ): Promise<Outcome> {
    const [r] = await select<{ id: string }>(
      db,
      `SELECT id FROM payment.refunds WHERE id = $1::uuid AND payment_id = $2`,
      [/^[0-9a-f-]{36}$/i.test(cb.refundId ?? '') ? cb.refundId : null, known.id],
      tx,
    );
    if (!r) return { kind: 'rejected', outcome: 'unknown_payment' };
    const status = await settler.settle(tx, r.id, {
      status: cb.outcome === 'refund_succeeded' ? 'succeeded' : 'failed',
    });
    return { kind: 'processed', outcome: `refund_${status}` };
  }

  /**
   * The money arrived. Checked against the payment and the order (amount, currency). An order
   * still waiting is paid (one transaction: payment, order, stock, events); an order cancelled (or
   * paid by another payment) keeps its state and the money goes back (an automatic refund).
   */
  async function applySuccess(
    tx: Transaction,
    channel: PaymentChannel,
    cb: VerifiedCallback,
    known: { id: string; order_id: string },
  ): Promise<Outcome> {
    // Order row first, then the payment's: the lock order of checkout, cancel and payment.create.
    const o = await order.payments.lockForPayment(tx, known.order_id);
    const p = (await findPayment(db, known.id, { tx, lock: true }))!;
    if (cb.amount !== p.amount || cb.amount !== o.payableAmount || cb.currency !== p.currency) {
      // Staff are alerted (modules/notification); the inbox row's 'rejected' makes it once per transaction.
      const data: PaymentAmountMismatchV1 = {
        paymentId: p.id,
        orderId: p.order_id,
        channel,
        transactionId: cb.transactionId,
        expected: p.amount,
        currency: p.currency,
        reported: cb.amount,
        reportedCurrency: cb.currency,
      };
      await outbox.add(tx, { type: EVENTS.payment.amountMismatch, aggregateId: p.id, data, version: 1 });
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
    return refundLateSuccess(tx, o.status, p, cb, succeeded(false));
  }

  /**
   * The order was cancelled (or paid by another payment) before the money arrived: record it and give
   * it back; the order and stock do not move (its stock was released and may be sold already). The
   * sandbox refunds in this transaction; a real provider's refund is a pending automatic refund,
   * asked for after the commit (and by the reconciliation job until it settles).
   */
  async function refundLateSuccess(
    tx: Transaction,
    orderStatus: string,
    p: PaymentRow,
    cb: VerifiedCallback,
    succeeded: PaymentSucceededV1,
  ): Promise<Outcome> {
    const refundId = newId();
    const reason =
      orderStatus === 'cancelled' ? 'order was cancelled before the payment arrived' : `order already ${orderStatus}`;
    const viaProvider = !!providers.get(p.channel)?.refund;
    if (viaProvider) {
      await setPayment(tx, p.id, `status = 'succeeded', transaction_id = $2, paid_at = now(), closed_at = NULL`, [
        cb.transactionId,
      ]);
      await db.query(
        `INSERT INTO payment.refunds (id, payment_id, order_id, amount, items, reason, status, automatic, operator)
         VALUES ($1, $2, $3, $4, '[]', $5, 'pending', true, 'system')`,
        { bind: [refundId, p.id, p.order_id, cb.amount, reason], transaction: tx },
      );
      await outbox.add(tx, {
        type: EVENTS.payment.succeeded,
        aggregateId: p.id,
        data: succeeded,
        version: PAYMENT_EVENT_VERSION,
      });
      tx.afterCommit(() => {
        settler.dispatch(refundId).catch((err: unknown) => log.error({ err, refundId }, 'automatic refund not sent'));
      });
      return { kind: 'processed', outcome: 'refund_requested' };
    }
    await setPayment(tx, p.id, `status = 'refunded', transaction_id = $2, paid_at = now(), refunded_amount = amount`, [
      cb.transactionId,
    ]);
    await db.query(
      `INSERT INTO payment.refunds (id, payment_id, order_id, amount, items, reason, status, automatic, operator, settled_at)
       VALUES ($1, $2, $3, $4, '[]', $5, 'succeeded', true, 'system', now())`,
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
      { type: EVENTS.payment.succeeded, aggregateId: p.id, data: succeeded, version: PAYMENT_EVENT_VERSION },
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
      if (cb === null || cb.key !== r.transaction_id) {
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
        await inTransaction(db, (tx) => processEntry(tx, r.channel, cb));
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

  /**
   * `payment.admin.replayInbox`: an entry stuck `received`, or refused for a transient reason (its
   * channel was off: `unreadable`), processed again from its stored payload. The entry's row lock and
   * status check make it idempotent: a processed entry is answered as it is.
   */
  async function replay(entryId: string): Promise<void> {
    const [e] = await select<{
      channel: PaymentChannel;
      transaction_id: string;
      payload: unknown;
      status: string;
      outcome: string | null;
    }>(db, `SELECT channel, transaction_id, payload, status, outcome FROM payment.inbox WHERE id = $1`, [entryId]);
    if (!e) throw new DomainError('INBOX_ENTRY_NOT_FOUND', 'Inbox entry not found', { entryId });
    if (!isReplayable(e.status, e.outcome)) return;
    const provider = providers.get(e.channel);
    if (!provider)
      throw new DomainError('CHANNEL_UNAVAILABLE', `Payment channel ${e.channel} is not switched on`, {
        channel: e.channel,
      });
    let cb: VerifiedCallback;
    try {
      cb = provider.fromStored(e.payload);
    } catch {
      return; // still unreadable: it stays as it is
    }
    await db.transaction(async (tx) => {
      await db.query(
        `UPDATE payment.inbox SET status = 'received', outcome = NULL WHERE id = $1 AND status = 'rejected' AND outcome = ANY($2::text[])`,
        { bind: [entryId, TRANSIENT_REJECTIONS], transaction: tx },
      );
      await processEntry(tx, e.channel, cb);
    });
  }

  return { handle, receive, reprocessStale, replay };
}

export type { PaymentRow };
