import type {
  AdminPayment,
  InboxEntries,
  Payment,
  PaymentChannel,
  PaymentChannels,
  PaymentCreateInput,
  PaymentStats,
  PaymentStatsInput,
  Refund,
  RefundInput,
} from '@zjmall/contracts';
import type { Db, DurableHandler, Logger, Outbox } from '@zjmall/platform';
import type { OrderService } from '@zjmall/order';
import { callbackHandler, isReplayable, type CallbackAnswer } from './callback.handler';
import { closePaymentsOnOrderCancelled } from './order-cancelled.subscriber';
import { createPaymentHandler } from './payment-create.handler';
import {
  findPayment,
  paymentNotFound,
  select,
  toPayment,
  type PaymentConfig,
  type PaymentDeps,
  type PaymentRow,
} from './payment.deps';
import type { CallbackHeaders, PaymentProvider } from './providers/provider';
import { createSandboxProvider, type SandboxProvider } from './providers/sandbox.provider';
import { refundHandler, toRefund, type RefundRow } from './refund.handler';
import { refundSettler } from './refund-settle';
import { reconciler } from './reconcile';
import { providersFromConfig } from './providers/channels.config';
import { statsQuery } from './stats.query';

export interface PaymentServiceDeps {
  db: Db;
  outbox: Outbox;
  log: Logger;
  config: PaymentConfig;
  order: Pick<OrderService, 'payments' | 'get' | 'admin'>;
  /** The sandbox channels' callback secret (PAYMENT_CALLBACK_SECRET; modules/api's secrets). */
  callbackSecret: string;
  /**
   * The real channels; default: those the configuration switches on (ALIPAY_*, WECHATPAY_*). The
   * sandbox ones are added when SANDBOX_PAYMENTS is on.
   */
  providers?: PaymentProvider[];
}

export interface SandboxView {
  payment: Payment;
}

export interface PaymentService {
  /** The channels switched on (the sandbox ones with SANDBOX_PAYMENTS, then any extra providers). */
  channels(): PaymentChannels;
  create(userId: string, input: PaymentCreateInput): Promise<Payment>;
  get(userId: string, id: string): Promise<Payment>;
  /** The order's payments, newest first (another user's order: ORDER_NOT_FOUND). */
  forOrder(userId: string, orderId: string): Promise<Payment[]>;
  /** `payment.admin.forOrder`: any order's payments, newest first, each with its refunds and refundable amount (ORDER_NOT_FOUND). */
  adminForOrder(orderId: string): Promise<AdminPayment[]>;
  refund(adminId: string, input: RefundInput): Promise<Refund>;
  stats(input: PaymentStatsInput): Promise<PaymentStats>;
  /** `POST /payments/callback/:channel`: verify, store in the inbox, process once. */
  handleCallback(
    channel: string,
    headers: CallbackHeaders,
    rawBody: string,
    nowSeconds?: number,
  ): Promise<CallbackAnswer>;
  /** Inbox entries stored but never processed, older than `olderThanSeconds` (30): processed now (a sweeper). */
  reprocessInbox(opts?: { olderThanSeconds?: number; limit?: number }): Promise<{ processed: number; failed: number }>;
  /**
   * Reconciliation (a job): payments still pending after `olderThanSeconds` (120) asked about at
   * their provider, the answer applied through the inbox; pending refunds asked again.
   */
  reconcile(opts?: {
    olderThanSeconds?: number;
    limit?: number;
  }): Promise<{ asked: number; applied: number; unanswered: number; refundsSettled: number }>;
  /** `payment.admin.inbox`: the provider messages stored for a payment, oldest first. */
  adminInbox(paymentId: string): Promise<InboxEntries>;
  /** `payment.admin.replayInbox`: processes an entry again (idempotent); answers the payment's entries. */
  replayInbox(entryId: string): Promise<InboxEntries>;
  /** The durable reactions modules/api registers on the bus. */
  durableHandlers(): DurableHandler[];
  /** The sandbox provider (null when SANDBOX_PAYMENTS is off). */
  sandbox: {
    enabled: boolean;
    view(paymentId: string): Promise<SandboxView>;
    /**
     * The callback the sandbox provider sends for this payment when its button is pressed, and
     * where the page then sends a browser (the payment's returnUrl, absolute; null: nowhere).
     */
    callbackFor(
      paymentId: string,
      decision: 'approve' | 'decline',
    ): Promise<{ channel: PaymentChannel; headers: Record<string, string>; rawBody: string; returnUrl: string | null }>;
  };
}

export function createPaymentService(deps: PaymentServiceDeps): PaymentService {
  const { db, config, order } = deps;
  const providers = new Map<PaymentChannel, PaymentProvider>();
  const sandboxes = new Map<PaymentChannel, SandboxProvider>();
  if (config.SANDBOX_PAYMENTS) {
    for (const channel of ['sandbox_alipay', 'sandbox_wechat'] as const) {
      const p = createSandboxProvider({ channel, secret: deps.callbackSecret, baseUrl: config.PUBLIC_BASE_URL });
      providers.set(channel, p);
      sandboxes.set(channel, p);
    }
  }
  for (const p of deps.providers ?? providersFromConfig(config)) providers.set(p.channel, p);
  const ctx: PaymentDeps = { db, outbox: deps.outbox, log: deps.log, config, order, providers };
  const settler = refundSettler(ctx);
  const callbacks = callbackHandler(ctx, settler);
  const view = (r: PaymentRow) => toPayment(r, providers, config.PUBLIC_BASE_URL);

  async function sandboxPayment(paymentId: string) {
    const row = /^[0-9a-f-]{36}$/i.test(paymentId) ? await findPayment(db, paymentId) : null;
    if (!row || !sandboxes.has(row.channel)) throw paymentNotFound(paymentId);
    return row;
  }

  async function adminInbox(paymentId: string): Promise<InboxEntries> {
    const rows = await select<{
      id: string;
      payment_id: string;
      channel: PaymentChannel;
      transaction_id: string;
      status: 'received' | 'processed' | 'rejected';
      outcome: string | null;
      deliveries: number;
      received_at: Date;
      processed_at: Date | null;
      payload: unknown;
    }>(db, `SELECT * FROM payment.inbox WHERE payment_id = $1 ORDER BY received_at, transaction_id`, [paymentId]);
    return rows.map((r) => ({
      id: r.id,
      paymentId: r.payment_id,
      channel: r.channel,
      key: r.transaction_id,
      status: r.status,
      outcome: r.outcome,
      deliveries: r.deliveries,
      receivedAt: new Date(r.received_at).toISOString(),
      processedAt: r.processed_at ? new Date(r.processed_at).toISOString() : null,
      replayable: isReplayable(r.status, r.outcome),
      payload: r.payload,
    }));
  }

  const channels: PaymentChannels = [...providers.values()].map((p) => ({ channel: p.channel, name: p.name }));

  return {
    channels: () => channels,
    create: createPaymentHandler(ctx),
    async get(userId, id) {
      const row = await findPayment(db, id, { userId });
      if (!row) throw paymentNotFound(id);
      return view(row);
    },
    async forOrder(userId, orderId) {
      await order.get(userId, orderId);
      const rows = await select<PaymentRow>(
        db,
        `SELECT * FROM payment.payments WHERE order_id = $1 AND user_id = $2 ORDER BY id DESC`,
        [orderId, userId],
      );
      return rows.map(view);
    },
    async adminForOrder(orderId) {
      await order.admin.get(orderId);
      const [payments, refunds] = await Promise.all([
        select<PaymentRow>(db, `SELECT * FROM payment.payments WHERE order_id = $1 ORDER BY id DESC`, [orderId]),
        select<RefundRow>(db, `SELECT * FROM payment.refunds WHERE order_id = $1 ORDER BY id`, [orderId]),
      ]);
      return payments.map((p) => ({
        ...view(p),
        refunds: refunds.filter((r) => r.payment_id === p.id).map(toRefund),
        // What remains paid, less refunds still waiting for the provider (what payment.admin.refund accepts).
        refundableAmount:
          p.status === 'succeeded' || p.status === 'partially_refunded'
            ? p.amount -
              p.refunded_amount -
              refunds.filter((r) => r.payment_id === p.id && r.status === 'pending').reduce((a, r) => a + r.amount, 0)
            : 0,
      }));
    },
    refund: refundHandler(ctx, settler),
    stats: statsQuery(ctx),
    handleCallback: callbacks.handle,
    reprocessInbox: callbacks.reprocessStale,
    reconcile: reconciler(ctx, callbacks.receive, settler),
    adminInbox,
    async replayInbox(entryId) {
      await callbacks.replay(entryId);
      const [e] = await select<{ payment_id: string }>(db, `SELECT payment_id FROM payment.inbox WHERE id = $1`, [
        entryId,
      ]);
      return adminInbox(e.payment_id);
    },
    durableHandlers: () => [closePaymentsOnOrderCancelled(ctx, callbacks.receive)],
    sandbox: {
      enabled: config.SANDBOX_PAYMENTS,
      async view(paymentId) {
        const row = await sandboxPayment(paymentId);
        return { payment: view(row) };
      },
      async callbackFor(paymentId, decision) {
        const row = await sandboxPayment(paymentId);
        const built = sandboxes
          .get(row.channel)!
          .buildCallback(
            { id: row.id, amount: row.amount, currency: row.currency },
            decision,
            Math.floor(Date.now() / 1000),
          );
        return { channel: row.channel, ...built, returnUrl: row.return_url };
      },
    },
  };
}
