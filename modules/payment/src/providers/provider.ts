import type { PaymentChannel } from '@zjmall/contracts';

export type CallbackHeaders = Record<string, string | string[] | undefined>;

/** A callback whose signature and timestamp were checked: only these are ever stored. */
export interface VerifiedCallback {
  transactionId: string;
  paymentId: string;
  outcome: 'success' | 'failure';
  amount: number;
  currency: string;
  /** The body as the provider sent it (kept in the inbox). */
  payload: unknown;
}

/** A refused callback: 401 bad signature / stale timestamp, 400 malformed. Nothing is stored. */
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
 * One payment channel's provider side. Each channel verifies its own signature scheme with its own
 * secret, so a real channel (Alipay, WeChat Pay) is one more implementation of this, and the order
 * and payment flow does not change.
 */
export interface PaymentProvider {
  readonly channel: PaymentChannel;
  /** The channel's name as a customer sees it (`payment.channels`). */
  readonly name: string;
  /** Where the customer pays (a hosted page). */
  payUrl(paymentId: string): string;
  /** Verifies before anything is stored; throws CallbackRejected. `nowSeconds`: this server's clock. */
  verifyCallback(headers: CallbackHeaders, rawBody: string, nowSeconds: number): VerifiedCallback;
  /**
   * The callback again from the payload stored in the inbox (verified when it was stored), for
   * entries whose processing never finished (a crash, a database outage): the inbox sweeper.
   */
  fromStored(payload: unknown): VerifiedCallback;
}
