import type { PaymentChannel, PaymentDevice } from '@zjmall/contracts';

export type CallbackHeaders = Record<string, string | string[] | undefined>;

/**
 * What a verified message (a notify, or a query's answer) says. `success`: the money arrived;
 * `failure`: the customer declined (sandbox); `closed`: the provider closed the trade unpaid;
 * `refund_succeeded` / `refund_failed`: an asynchronous refund ended (WeChat Pay).
 */
export type CallbackOutcome = 'success' | 'failure' | 'closed' | 'refund_succeeded' | 'refund_failed';

/** A callback whose signature (and timestamp, where the scheme has one) was checked: only these are ever stored. */
export interface VerifiedCallback {
  /**
   * The inbox key: one per provider message that has one effect (Alipay: `trade_no` + `trade_status`,
   * so its several notifies per trade each count once; the sandbox and WeChat: the transaction id or
   * the refund id + status). A query answer builds the same key as the notify it stands for.
   */
  key: string;
  /** The provider's transaction id (stored on the payment). */
  transactionId: string;
  paymentId: string;
  outcome: CallbackOutcome;
  /** Minor units (fen). */
  amount: number;
  currency: string;
  /** For refund outcomes: our refund id. */
  refundId?: string;
  /** The message as the provider sent it (kept in the inbox; `fromStored` reads it back). */
  payload: unknown;
}

/** A refused callback: 401 bad signature / stale timestamp, 400 malformed or not ours. Nothing is stored. */
export class CallbackRejected extends Error {
  constructor(
    readonly httpStatus: 400 | 401,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRejected';
  }
}

/**
 * The provider's answer could not be trusted (a bad signature, an unexpected shape) or did not come
 * (network): nothing is applied, and the caller tries again later (the reconciliation job).
 */
export class ProviderUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderUnavailable';
  }
}

/** What the callback endpoint answers, in the provider's own terms. */
export interface CallbackReply {
  statusCode: number;
  /** A string is sent as text/plain; undefined: no body (204). */
  body?: string | Record<string, unknown>;
}

/** The processing result a provider turns into its reply. */
export type CallbackResult = { ok: true; outcome: string } | { ok: false; statusCode: 400 | 401 | 404; error: string };

/** The payment as a provider needs it to open, query, close or refund a trade. */
export interface ProviderPayment {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  returnUrl: string | null;
  device: PaymentDevice;
  transactionId: string | null;
}

export interface ProviderRefund {
  id: string;
  amount: number;
  reason: string;
}

/** A refund's state at the provider. */
export type ProviderRefundResult = { status: 'succeeded' | 'pending' | 'failed'; detail?: string };

/** The result of closing a trade at the provider: closed (or never opened there), or it was paid first. */
export type ProviderCloseResult = { closed: true } | { closed: false; paid: VerifiedCallback };

/**
 * One payment channel's provider side. Each channel verifies its own signature scheme with its own
 * keys, so a real channel is one more implementation of this, and the order and payment flow does
 * not change. The optional methods are what a real provider has and the sandbox does not: without
 * `refund` a refund succeeds at once; without `query`/`close` nothing is asked.
 */
export interface PaymentProvider {
  readonly channel: PaymentChannel;
  /** The channel's name as a customer sees it (`payment.channels`). */
  readonly name: string;
  /** Where the customer pays, when the provider makes it without being asked (the sandbox's page). */
  payUrl(paymentId: string): string;
  /**
   * Opens the trade at the provider (after the payment row committed): the pay URL (and WeChat's
   * `code_url`), stored on the payment. Throws ProviderUnavailable; `payment.create` again retries.
   */
  open?(payment: ProviderPayment): Promise<{ payUrl: string; qrCode: string | null }>;
  /** Verifies before anything is stored; throws CallbackRejected. `nowSeconds`: this server's clock. */
  verifyCallback(headers: CallbackHeaders, rawBody: string, nowSeconds: number): VerifiedCallback;
  /** The reply the provider expects (Alipay: text `success`/`fail`; WeChat: 204 or `{code, message}`). */
  reply?(result: CallbackResult): CallbackReply;
  /**
   * The callback again from the payload stored in the inbox (verified when it was stored), for
   * entries whose processing never finished (a crash, a database outage): the inbox sweeper.
   */
  fromStored(payload: unknown): VerifiedCallback;
  /** The trade's state at the provider, as the notify it stands for; null: nothing final yet. */
  query?(payment: ProviderPayment): Promise<VerifiedCallback | null>;
  /** Closes the trade at the provider; a trade that was paid meanwhile is answered as paid. */
  close?(payment: ProviderPayment): Promise<ProviderCloseResult>;
  /** Asks for a refund (idempotent per refund id) or its state; ProviderUnavailable leaves it pending. */
  refund?(payment: ProviderPayment, refund: ProviderRefund): Promise<ProviderRefundResult>;
}
